/**
 * Every JSON Schema file raphe generates, by name under schema/: `npm run schema` writes them (never
 * edited by hand), `raphe schema NAME` prints one, and the tests check the committed files are current.
 */
import { type JsonSchema, scenarioJsonSchema, schemaText } from '../model/json-schema.js';
import { sweepJsonSchema } from '../sweep/json-schema.js';

export const SCHEMA_FILES: Readonly<Record<string, () => JsonSchema>> = {
  'scenario.schema.json': scenarioJsonSchema,
  'sweep.schema.json': sweepJsonSchema,
};

/** The names `raphe schema NAME` takes: `scenario` for scenario.schema.json. */
export const SCHEMA_NAMES = Object.keys(SCHEMA_FILES).map((f) => f.replace(/\.schema\.json$/, ''));

export { schemaText };
