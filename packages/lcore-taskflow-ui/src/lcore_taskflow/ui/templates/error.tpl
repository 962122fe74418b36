<!DOCTYPE html>
<html lang="{{lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{_("Error {status}", status=status_code)}}</title>
<link rel="icon" href="{{base}}/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{{base}}/static/taskflow.css">
</head>
<body class="page page-error">
<main class="error-card" data-testid="error-page">
  <h1 class="error-code">{{status_code}}</h1>
  <h2>{{status_text}}</h2>
  <p class="error-message">{{message}}</p>
  % if message != hint:
  <p class="muted">{{hint}}</p>
  % end
  <p><a class="btn btn-primary" href="{{base}}/">{{_("Back to Home")}}</a> <a class="btn" href="{{base}}/frontend">{{_("Open the app")}}</a></p>
</main>
</body>
</html>
