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
% for catalog in get('catalogs', []):
<meta name="taskflow-i18n" data-owner="{{catalog['owner']}}" data-languages="{{catalog['languages']}}" content="{{catalog['prefix']}}">
% end
<script type="module" src="{{assets}}/js/main.js"></script>
</head>
<body class="spa" data-app-name="{{title}}" data-version="{{version}}" data-base="{{base}}">
<a class="skip-link" id="skip-link" href="#page-title" data-i18n>Skip to main content</a>
<noscript><p class="banner banner-error">TaskFlow needs JavaScript.</p></noscript>

<main id="login-view" class="login" hidden>
  <form id="login-form" class="card login-card" autocomplete="on" novalidate aria-labelledby="login-title">
    <h1 class="brand" id="login-title">{{title}}</h1>
    <p class="muted" data-i18n>Sign in to your workspace</p>
    <label><span data-i18n>Username</span> <input id="login-username" name="username" autocomplete="username" required></label>
    <label><span data-i18n>Password</span> <input id="login-password" name="password" type="password" autocomplete="current-password" required></label>
    <div id="login-totp-field" class="login-totp" hidden>
      <label><span data-i18n>Two-factor code</span> <input id="login-totp" name="totp" autocomplete="one-time-code" spellcheck="false" aria-describedby="login-totp-hint"></label>
      <span id="login-totp-hint" class="hint" data-i18n>The six-digit code from your authenticator app, or one of your recovery codes.</span>
    </div>
    <p id="login-error" class="form-error" role="alert" hidden></p>
    <button id="login-submit" class="btn btn-primary btn-block" type="submit" data-i18n>Sign in</button>
    % if demo_users:
    <div class="demo">
      <p class="muted" data-i18n>Demo accounts (click to fill):</p>
      % for user in demo_users:
      <button type="button" class="btn btn-small demo-fill" data-username="{{user['username']}}" data-password="{{user['password']}}" ><span>{{user['username']}} · <span data-i18n>{{user['role'].capitalize()}}</span></span><span class="sr-only" data-i18n>: fill in this demo account</span></button>
      % end
    </div>
    % end
  </form>
</main>

<div id="shell" class="shell" hidden>
  <header id="share-bar" class="share-bar" hidden>
    <span class="brand">{{title}}</span>
    <span id="share-mode" class="share-mode" data-testid="share-mode" data-i18n>Shared project — read only</span>
  </header>
  <header id="sidebar" class="sidebar">
    <div class="sidebar-top">
      <a class="brand" href="#/dashboard">{{title}}</a>
      <span id="header-badges" class="header-badges"></span>
      <button id="menu-toggle" class="btn menu-toggle" type="button" aria-expanded="false" aria-controls="sidebar-menu" data-i18n>Menu</button>
    </div>
    <div id="sidebar-menu" class="sidebar-menu">
      <nav id="nav" class="nav" aria-label="Main" data-i18n-attrs="aria-label">
        <a href="#/dashboard" data-route="dashboard" data-i18n>Dashboard</a>
        <a href="#/my-tasks" data-route="my-tasks" data-i18n>My tasks</a>
        <a href="#/projects" data-route="projects" data-i18n>Projects</a>
        <a href="#/team" data-route="team" data-i18n>Team</a>
        <a href="#/teams" data-route="teams" id="nav-teams" hidden data-i18n>Teams</a>
        <a href="#/audit" data-route="audit" id="nav-audit" hidden data-i18n>Audit log</a>
        <a href="#/plugins" data-route="plugins" id="nav-plugins" hidden data-i18n>Plugins</a>
        <a href="#/profile" data-route="profile" data-i18n>My profile</a>
      </nav>
      <div class="whoami">
        <span id="whoami-name" data-testid="whoami"></span>
        <span id="whoami-role" class="badge"></span>
        <button id="logout" class="btn btn-small" type="button" data-i18n>Sign out</button>
      </div>
    </div>
  </header>
  <main id="main" class="main" aria-labelledby="page-title">
    <div id="search" class="global-search" role="search" aria-label="Search everything" data-i18n-attrs="aria-label">
      <label for="search-input" class="sr-only" data-i18n>Search tasks, comments and projects</label>
      <input id="search-input" type="search" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="search-results" autocomplete="off" spellcheck="false" maxlength="200" placeholder="Search" data-i18n-attrs="placeholder" aria-keyshortcuts="/ Control+K" data-testid="search-input">
      <p id="search-status" class="sr-only" role="status" data-testid="search-status"></p>
      <ul id="search-results" class="search-results" role="listbox" aria-label="Search results" data-i18n-attrs="aria-label" hidden data-testid="search-results"></ul>
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
<section id="toasts" class="toasts" aria-live="polite" aria-label="Messages" data-i18n-attrs="aria-label"></section>
<div id="announcer" class="sr-only" aria-live="polite"></div>
</body>
</html>
