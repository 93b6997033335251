// Lint: typescript-eslint's type-aware recommended rules over every TypeScript file, ESLint's
// recommended rules over the few plain JavaScript files. `npm test` runs these rules through
// tools/check.js, on the program of its type check, with a cache that a changed declaration
// anywhere invalidates. `npm run lint` caches results by file content only, in
// node_modules/.cache/eslint/: a type change in one file does not re-lint unchanged files that
// use it (`rm -rf node_modules/.cache/eslint` does; npm test and CI always do).
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

const NODE_GLOBALS = {
  require: "readonly",
  module: "writable",
  exports: "writable",
  process: "readonly",
  console: "readonly",
  __dirname: "readonly",
  __filename: "readonly",
  Buffer: "readonly",
  setTimeout: "readonly",
  clearTimeout: "readonly",
  URL: "readonly",
};

export default tseslint.config(
  {
    ignores: ["node_modules/", "dist/", "cdktf.out/", "cdktf.out.*/", ".build/", ".gen/", "coverage/", "bench-results/", "test/fixtures/"],
  },
  eslint.configs.recommended,
  {
    files: ["**/*.ts"],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { project: "./tsconfig.json", tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `const { kubernetes: _k, ...rest } = x` is how an object without one field is made: the omitted name is not "unused".
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
    },
  },
  {
    // Tests walk synthesized Terraform JSON and parsed tool output, which are `any` by nature:
    // asserting their shape is what the tests are for, so the no-unsafe-* family is off there.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-call": "off",
    },
  },
  { files: ["**/*.js", "**/*.cjs"], languageOptions: { sourceType: "commonjs", globals: NODE_GLOBALS } },
  { files: ["**/*.mjs"], languageOptions: { sourceType: "module", globals: NODE_GLOBALS } },
);
