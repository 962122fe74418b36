/* A test plugin: one contribution to every extension point of the TaskFlow frontend. */
export default function setup(taskflow) {
  const { h } = taskflow;

  taskflow.addNavItem({
    id: 'testplug',
    label: 'Test plugin',
    async render(container) {
      container.append(h('p', { 'data-testid': 'testplug-view' }, `Hello ${taskflow.user.username}`));
      const data = await taskflow.api.get('/api/projects/?limit=1');
      container.append(h('p', { 'data-testid': 'testplug-count' }, `${data.total} projects`));
    },
  });

  taskflow.addTaskPanel({
    id: 'testplug-panel',
    title: 'Test panel',
    render(container, task) {
      container.append(h('p', { 'data-testid': 'testplug-panel' }, `Panel for ${task.title}`));
    },
  });

  taskflow.addCardBadges((task) => (task.priority === 'high'
    ? [{ text: 'HOT', title: 'High priority (test plugin)', color: '#b91c1c' }] : []));

  taskflow.addTaskField({
    name: 'testplug_note',
    label: 'Test note',
    render(container) {
      const input = h('input', { 'data-testid': 'testplug-field', 'aria-label': 'Test note' });
      container.append(input);
      return { value: () => input.value || undefined };
    },
  });

  taskflow.addProjectPanel({
    id: 'testplug-project',
    title: 'Test project panel',
    render(container, project) {
      container.append(h('p', { 'data-testid': 'testplug-project' }, `Settings of ${project.name}`));
    },
  });

  taskflow.on('board:refresh', () => {
    document.body.dataset.testplugRefreshes = String(Number(document.body.dataset.testplugRefreshes || 0) + 1);
  });
  taskflow.on('task:saved', (task) => taskflow.toast(`Test plugin saw “${task.title}” saved`, { kind: 'info' }));

  // Version 3: translations from the plugin's own catalog (i18n/<lang>.json), else the ui's.
  document.body.dataset.testplugVersion = String(taskflow.version);
  if (taskflow.version >= 3) {
    document.body.dataset.testplugLanguage = taskflow.language;
    document.body.dataset.testplugGreeting = taskflow.t('Hello from {name}', { name: 'testplug' });
    document.body.dataset.testplugPlural = taskflow.tn(3, '{n} test item', '{n} test items');
    document.body.dataset.testplugFallback = taskflow.t('Save');
  }

  // Version 2 of the API: a header badge, the live polling, text helpers.
  if (taskflow.version < 2) return;
  taskflow.addHeaderBadge({
    id: 'testplug',
    label: 'Test count',
    href: '#/ext/testplug',
    describe: (n) => `Test count: ${n}`,
    count: async () => (await taskflow.api.get('/api/projects/?limit=1')).total,
  });
  taskflow.on('poll', () => {
    document.body.dataset.testplugPolls = String(Number(document.body.dataset.testplugPolls || 0) + 1);
  });
  taskflow.addTextAssist({
    id: 'testplug-assist',
    attach(textarea, ctx) { textarea.dataset.testplugAssist = `${ctx.field}:${ctx.projectId}:${ctx.taskId}`; },
  });
}
