<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}}</title>
<link rel="icon" href="{{base}}/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{{base}}/static/taskflow.css">
</head>
<body class="page">
<div class="container">
  <header class="hero">
    <h1>{{title}}</h1>
    <p class="subtitle">{{description}}</p>
    <p><a class="btn btn-primary" href="{{base}}/frontend" data-testid="open-frontend">Open the TaskFlow app</a>
       <a class="btn" href="{{base}}/health">Health</a></p>
  </header>

  <main>
  <h2>Installed plugins</h2>
  <div class="features" data-testid="plugins">
  % for plugin in plugins:
    <section class="feature">
      <h3>{{plugin['name']}} <span class="badge">{{plugin['version']}}</span></h3>
      <p>{{plugin['desc']}}</p>
    </section>
  % end
  </div>

  <h2>Endpoints</h2>
  <div class="endpoints" data-testid="endpoint-groups">
  % for group in endpoint_groups:
    <section class="endpoint-group">
      <h3 class="group-title">{{group['name']}}</h3>
      % for ep in group['endpoints']:
      <div class="endpoint">
        <span class="method method-{{ep['method'].lower()}}">{{ep['method']}}</span>
        <code class="path">{{ep['path']}}</code>
        <span class="desc">{{ep['desc']}}</span>
      </div>
      % end
    </section>
  % end
  </div>
  </main>

  <footer class="footer">
    TaskFlow ui {{version}} · Lcore v{{lcore_version}} · Running on {{host}}:{{port}}
  </footer>
</div>
</body>
</html>
