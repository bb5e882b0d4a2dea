// Lints BPMN files in node with the very bundle the browser gets (node_modules/.policyflow/
// bpmnlint.js, from `npm run build`): `node web/static/lint/lint-files.mjs FILE…` prints
// {"rules": {rule: severity, …}, "files": [[FILE, [{element_id, message, severity, rule}, …]], …]}
// as JSON (tests/test_lint.py). The same file may be given twice (one linter per run).
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import vm from "node:vm";
import { BpmnModdle } from "bpmn-moddle";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const bundle = path.join(root, "node_modules/.policyflow/bpmnlint.js");
vm.runInThisContext(await readFile(bundle, "utf8"), { filename: bundle });

const moddle = new BpmnModdle();
const files = [];
for (const file of process.argv.slice(2)) {
  const { rootElement } = await moddle.fromXML(await readFile(file, "utf8"));
  files.push([file, await globalThis.pfLint(rootElement)]);
}
const rules = await globalThis.pfLint.resolvedRules();
process.stdout.write(JSON.stringify({ rules: rules, files: files }, null, 1) + "\n");
