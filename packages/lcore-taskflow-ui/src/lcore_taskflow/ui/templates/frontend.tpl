<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}}</title>
<link rel="stylesheet" href="/static/taskflow.css">
<link rel="stylesheet" href="/static/app.css">
<script src="/static/js/dom.js" defer></script>
<script src="/static/js/api.js" defer></script>
<script src="/static/js/views.js" defer></script>
<script src="/static/js/board.js" defer></script>
<script src="/static/js/app.js" defer></script>
</head>
<body class="spa" data-app-name="{{title}}" data-version="{{version}}">
<noscript><p class="banner banner-error">TaskFlow needs JavaScript.</p></noscript>

<section id="login-view" class="login" hidden>
  <form id="login-form" class="card login-card" autocomplete="on" novalidate>
    <h1 class="brand">{{title}}</h1>
    <p class="muted">Sign in to your workspace</p>
    <label>Username <input id="login-username" name="username" autocomplete="username" required></label>
    <label>Password <input id="login-password" name="password" type="password" autocomplete="current-password" required></label>
    <p id="login-error" class="form-error" role="alert" hidden></p>
    <button id="login-submit" class="btn btn-primary btn-block" type="submit">Sign in</button>
    <div class="demo">
      <p class="muted">Demo accounts (click to fill):</p>
      <button type="button" class="btn btn-small demo-fill" data-username="admin" data-password="admin123">admin · admin</button>
      <button type="button" class="btn btn-small demo-fill" data-username="alice" data-password="alice123">alice · member</button>
      <button type="button" class="btn btn-small demo-fill" data-username="bob" data-password="bob123">bob · member</button>
    </div>
  </form>
</section>

<div id="shell" class="shell" hidden>
  <aside class="sidebar">
    <div class="brand">{{title}}</div>
    <nav id="nav" class="nav">
      <a href="#/dashboard" data-route="dashboard">Dashboard</a>
      <a href="#/projects" data-route="projects">Projects</a>
      <a href="#/team" data-route="team">Team</a>
      <a href="#/notifications" data-route="notifications">Notifications</a>
      <a href="#/profile" data-route="profile">My profile</a>
    </nav>
    <div class="whoami">
      <span id="whoami-name" data-testid="whoami"></span>
      <span id="whoami-role" class="badge"></span>
      <button id="logout" class="btn btn-small" type="button">Sign out</button>
    </div>
  </aside>
  <div class="main">
    <header class="topbar">
      <h1 id="page-title">Dashboard</h1>
      <div id="topbar-actions" class="actions"></div>
    </header>
    <div id="flash" class="flash" role="status" hidden></div>
    <main id="view" class="view" tabindex="-1"></main>
  </div>
</div>
</body>
</html>
