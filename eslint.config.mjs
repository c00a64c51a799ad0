// ESLint for the JavaScript under web/ (run by `python build.py test`). The pages' JS is plain
// ES modules for browsers and Web Workers: no framework, no build step.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["web/vendor/**", "web/dist/**"] },
  {
    files: ["web/**/*.js", "web/**/*.mjs"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      globals: { ...globals.browser, ...globals.worker },
    },
    rules: {
      ...js.configs.recommended.rules,
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
    },
  },
];
