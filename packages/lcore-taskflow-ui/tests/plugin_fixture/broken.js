/* A plugin whose setup throws: the app reports it and carries on without it. */
export default function setup() {
  throw new Error('this plugin is broken on purpose');
}
