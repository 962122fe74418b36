// ESLint over every package's frontend JavaScript (`tox -e js`, or `npx eslint .` after
// `npm ci`): the recommended rules, ES modules, browser globals; the unit tests and the
// test OpenID provider run in Node.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["**/node_modules/", ".tox/", "**/build/", "**/dist/"] },
  js.configs.recommended,
  {
    files: ["packages/*/src/**/*.js", "examples/plugins/*/src/**/*.js",
            "packages/*/tests/**/*.js"],
    languageOptions: { ecmaVersion: "latest", sourceType: "module", globals: globals.browser },
  },
  {
    files: ["**/*.mjs", "eslint.config.js"],
    languageOptions: { ecmaVersion: "latest", sourceType: "module", globals: globals.node },
  },
  {
    // the unit tests run the SPA's modules in Node with the few browser globals they fake
    files: ["packages/*/tests/js/**/*.mjs"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
];
