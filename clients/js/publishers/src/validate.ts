import { EVENT_SCHEMAS, type CatalogueEvent, type EventType } from '@neo-events/catalogue';

/** The schema keywords the catalogue uses (the generator refuses any other). */
export interface SchemaNode {
  readonly type?: string;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly properties?: { readonly [name: string]: SchemaNode };
  readonly required?: readonly string[];
  readonly additionalProperties?: false | SchemaNode;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly format?: string;
}

// The catalogue's timestamps are RFC 3339 in UTC (ending in Z), as the server checks them.
const RFC3339_UTC = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?[Zz]$/;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The problems of `value` against `node`, each as "<path> <what>". */
export function schemaProblems(node: SchemaNode, value: unknown, at = ''): string[] {
  const where = at || '(event)';
  const problems: string[] = [];
  if ('const' in node && value !== node.const) return [`${where} must be ${show(node.const)}, got ${show(value)}`];
  if (node.enum && !node.enum.includes(value)) {
    return [`${where} must be one of ${node.enum.map(show).join(', ')}, got ${show(value)}`];
  }
  switch (node.type) {
    case 'string': {
      if (typeof value !== 'string') return [`${where} must be a string, got ${show(value)}`];
      const length = [...value].length;
      if (node.minLength !== undefined && length < node.minLength)
        problems.push(`${where} must have at least ${node.minLength} character(s)`);
      if (node.maxLength !== undefined && length > node.maxLength)
        problems.push(`${where} must have at most ${node.maxLength} characters`);
      if (node.format === 'date-time' && !isDateTime(value))
        problems.push(`${where} must be an RFC 3339 date-time in UTC (ending in Z), got ${show(value)}`);
      break;
    }
    case 'number':
    case 'integer': {
      // JSON has no NaN or Infinity: JSON.stringify would send null.
      if (typeof value !== 'number' || !Number.isFinite(value))
        return [`${where} must be a finite number, got ${show(value)}`];
      if (node.type === 'integer' && !Number.isInteger(value))
        problems.push(`${where} must be an integer, got ${value}`);
      if (node.minimum !== undefined && value < node.minimum)
        problems.push(`${where} must be >= ${node.minimum}, got ${value}`);
      if (node.maximum !== undefined && value > node.maximum)
        problems.push(`${where} must be <= ${node.maximum}, got ${value}`);
      if (node.exclusiveMinimum !== undefined && value <= node.exclusiveMinimum)
        problems.push(`${where} must be > ${node.exclusiveMinimum}, got ${value}`);
      if (node.exclusiveMaximum !== undefined && value >= node.exclusiveMaximum)
        problems.push(`${where} must be < ${node.exclusiveMaximum}, got ${value}`);
      break;
    }
    case 'boolean':
      if (typeof value !== 'boolean') return [`${where} must be true or false, got ${show(value)}`];
      break;
    case 'null':
      if (value !== null) return [`${where} must be null, got ${show(value)}`];
      break;
    case 'object': {
      if (!isObject(value))
        return [`${where} must be an object, got ${Array.isArray(value) ? 'an array' : show(value)}`];
      const properties = node.properties ?? {};
      for (const name of node.required ?? []) {
        if (value[name] === undefined) problems.push(`${at}/${name} is required`);
      }
      for (const [name, v] of Object.entries(value)) {
        if (v === undefined) continue; // not sent: JSON.stringify leaves it out
        const sub = properties[name];
        if (sub) problems.push(...schemaProblems(sub, v, `${at}/${name}`));
        else if (node.additionalProperties === false) problems.push(`${at}/${name} is not a field of this event`);
        else if (node.additionalProperties)
          problems.push(...schemaProblems(node.additionalProperties, v, `${at}/${name}`));
      }
      break;
    }
  }
  return problems;
}

function isDateTime(text: string): boolean {
  const m = RFC3339_UTC.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return month >= 1 && month <= 12 && day >= 1 && day <= days[month - 1]! && hour <= 23 && minute <= 59 && second <= 60;
}

/** Throws a TypeError listing every way `event` differs from its catalogue schema. */
export function validateEvent(event: CatalogueEvent): void {
  const type = (event as { type?: unknown } | null)?.type;
  const schema = typeof type === 'string' ? (EVENT_SCHEMAS as Record<string, SchemaNode | undefined>)[type] : undefined;
  if (!schema) throw new TypeError(`not a catalogue event type: ${show(type)}`);
  const problems = schemaProblems(schema, event);
  if (problems.length > 0) throw new TypeError(`invalid ${type as EventType} event: ${problems.join('; ')}`);
}
