// A module written for a UI API this frontend does not provide yet (UIModule(ui_api=99)):
// the frontend must not run it.  If it ever runs, the test sees this mark.
export default function setup(taskflow) {
  document.body.dataset.futureLoaded = String(taskflow.version);
}
document.body.dataset.futureLoaded = 'module evaluated';
