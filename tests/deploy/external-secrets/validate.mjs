// Validates External Secrets Operator objects against the typed models of the npm package
// @kubernetes-models/external-secrets (no Python package ships them). Reads a JSON array of
// objects on standard input; prints one line per invalid object and exits 1 if there is any.
// Run by tests/deploy/test_k8s_render.py.
import { readFileSync } from "node:fs";
import * as v1 from "@kubernetes-models/external-secrets/external-secrets.io/v1";

const objects = JSON.parse(readFileSync(0, "utf8"));
let invalid = 0;
for (const object of objects) {
  const [, version] = object.apiVersion.split("/");
  const model = version === "v1" ? v1[object.kind] : undefined;
  const name = `${object.apiVersion} ${object.kind} ${object.metadata?.name}`;
  if (model === undefined) {
    console.log(`${name}: no model`);
    invalid += 1;
    continue;
  }
  try {
    new model(object).validate();
  } catch (error) {
    console.log(`${name}: ${error.message}`);
    invalid += 1;
  }
}
console.log(`${objects.length - invalid} valid, ${invalid} invalid`);
process.exit(invalid ? 1 : 0);
