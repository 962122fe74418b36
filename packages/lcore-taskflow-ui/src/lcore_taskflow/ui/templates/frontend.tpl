<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}}</title>
<link rel="icon" href="{{base}}/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{{assets}}/taskflow.css">
<link rel="stylesheet" href="{{assets}}/app.css">
% for url in plugin_styles:
<link rel="stylesheet" href="{{url}}" data-plugin-style>
% end
% for script in plugin_scripts:
<link rel="modulepreload" href="{{script['url']}}" data-plugin-script data-plugin="{{script['plugin']}}" data-ui-api="{{script['ui_api']}}">
% end
<meta name="taskflow-scoped-modules" content="{{get('scoped_modules', '')}}">
<script type="module" src="{{assets}}/js/main.js"></script>
</head>
<body class="spa" data-app-name="{{title}}" data-version="{{version}}" data-base="{{base}}">
<a class="skip-link" id="skip-link" href="#page-title">Skip to main content</a>
<noscript><p class="banner banner-error">TaskFlow needs JavaScript.</p></noscript>

<main id="login-view" class="login" hidden>
  <form id="login-form" class="card login-card" autocomplete="on" novalidate aria-labelledby="login-title">
    <h1 class="brand" id="login-title">{{title}}</h1>
    <p class="muted">Sign in to your workspace</p>
    <label>Username <input id="login-username" name="username" autocomplete="username" required></label>
    <label>Password <input id="login-password" name="password" type="password" autocomplete="current-password" required></label>
    <div id="login-totp-field" class="login-totp" hidden>
      <label>Two-factor code <input id="login-totp" name="totp" autocomplete="one-time-code" spellcheck="false" aria-describedby="login-totp-hint"></label>
      <span id="login-totp-hint" class="hint">The six-digit code from your authenticator app, or one of your recovery codes.</span>
    </div>
    <p id="login-error" class="form-error" role="alert" hidden></p>
    <button id="login-submit" class="btn btn-primary btn-block" type="submit">Sign in</button>
    % if demo_users:
    <div class="demo">
      <p class="muted">Demo accounts (click to fill):</p>
      % for user in demo_users:
      <button type="button" class="btn btn-small demo-fill" data-username="{{user['username']}}" data-password="{{user['password']}}" >{{user['username']}} · {{user['role']}}<span class="sr-only">: fill in this demo account</span></button>
      % end
    </div>
    % end
  </form>
</main>

<div id="shell" class="shell" hidden>
  <header id="share-bar" class="share-bar" hidden>
    <span class="brand">{{title}}</span>
    <span id="share-mode" class="share-mode" data-testid="share-mode">Shared project — read only</span>
  </header>
  <header id="sidebar" class="sidebar">
    <div class="sidebar-top">
      <a class="brand" href="#/dashboard">{{title}}</a>
      <span id="header-badges" class="header-badges"></span>
      <button id="menu-toggle" class="btn menu-toggle" type="button" aria-expanded="false" aria-controls="sidebar-menu">Menu</button>
    </div>
    <div id="sidebar-menu" class="sidebar-menu">
      <nav id="nav" class="nav" aria-label="Main">
        <a href="#/dashboard" data-route="dashboard">Dashboard</a>
        <a href="#/my-tasks" data-route="my-tasks">My tasks</a>
        <a href="#/projects" data-route="projects">Projects</a>
        <a href="#/team" data-route="team">Team</a>
        <a href="#/teams" data-route="teams" id="nav-teams" hidden>Teams</a>
        <a href="#/audit" data-route="audit" id="nav-audit" hidden>Audit log</a>
        <a href="#/plugins" data-route="plugins" id="nav-plugins" hidden>Plugins</a>
        <a href="#/profile" data-route="profile">My profile</a>
      </nav>
      <div class="whoami">
        <span id="whoami-name" data-testid="whoami"></span>
        <span id="whoami-role" class="badge"></span>
        <button id="logout" class="btn btn-small" type="button">Sign out</button>
      </div>
    </div>
  </header>
  <main id="main" class="main" aria-labelledby="page-title">
    <div id="search" class="global-search" role="search" aria-label="Search everything">
      <label for="search-input" class="sr-only">Search tasks, comments and projects</label>
      <input id="search-input" type="search" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="search-results" autocomplete="off" spellcheck="false" maxlength="200" placeholder="Search tasks, comments, projects" aria-keyshortcuts="/ Control+K" data-testid="search-input">
      <p id="search-status" class="sr-only" role="status" data-testid="search-status"></p>
      <ul id="search-results" class="search-results" role="listbox" aria-label="Search results" hidden data-testid="search-results"></ul>
      <p id="search-message" class="search-results search-message" hidden data-testid="search-message"></p>
    </div>
    <div class="topbar">
      <h1 id="page-title" tabindex="-1">Dashboard</h1>
      <p id="live-status" class="live-status" role="status"></p>
      <div id="topbar-actions" class="actions"></div>
    </div>
    <div id="view" class="view"></div>
  </main>
</div>
<section id="toasts" class="toasts" aria-live="polite" aria-label="Messages"></section>
<div id="announcer" class="sr-only" aria-live="polite"></div>
</body>
</html>
