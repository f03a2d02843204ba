// Which centrifuge-js the client-protocol suite drives: NEO_TEST_PROTOCOL=json (default) or
// protobuf (the `centrifuge/build/protobuf` client), over NEO_TEST_TRANSPORT=websocket (default)
// or http_stream (centrifuge-js's HTTP-streaming emulation, POST /emulation for commands).
//
// The protobuf client carries payloads as bytes. The suite's tests speak JSON values, so in
// protobuf mode the client below encodes every outgoing payload as the bytes of its JSON text and
// parses every incoming one: the tests stay the same, and what crosses the wire is the real
// protobuf client's own framing and encoding.
import { Centrifuge as JsonCentrifuge } from 'centrifuge';
import { Centrifuge as ProtobufCentrifuge, Subscription as ProtobufSubscription } from 'centrifuge/build/protobuf';

export const PROTOCOL = process.env.NEO_TEST_PROTOCOL ?? 'json';
export const CLIENT_TRANSPORT = process.env.NEO_TEST_TRANSPORT ?? 'websocket';
if (!['json', 'protobuf'].includes(PROTOCOL)) throw new Error(`NEO_TEST_PROTOCOL=${PROTOCOL}?`);
if (!['websocket', 'http_stream'].includes(CLIENT_TRANSPORT))
  throw new Error(`NEO_TEST_TRANSPORT=${CLIENT_TRANSPORT}?`);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const toBytes = (value) =>
  value === undefined || value instanceof Uint8Array ? value : encoder.encode(JSON.stringify(value));
const fromBytes = (value) => {
  if (!(value instanceof Uint8Array)) return value;
  return value.length === 0 ? undefined : JSON.parse(decoder.decode(value));
};

function decodeInfo(info) {
  if (!info) return info;
  const out = { ...info };
  for (const key of ['connInfo', 'chanInfo']) if (key in out) out[key] = fromBytes(out[key]);
  return out;
}

function decodePublication(pub) {
  const out = { ...pub, data: fromBytes(pub.data) };
  if (pub.info) out.info = decodeInfo(pub.info);
  return out;
}

/** An event context with its payloads as JSON values. */
function decodeContext(ctx) {
  if (!ctx || typeof ctx !== 'object') return ctx;
  const out = { ...ctx };
  if ('data' in out) out.data = fromBytes(out.data);
  if (out.info) out.info = decodeInfo(out.info);
  if (Array.isArray(out.publications)) out.publications = out.publications.map(decodePublication);
  return out;
}

function decodePresence(result) {
  const clients = {};
  for (const [id, info] of Object.entries(result.clients)) clients[id] = decodeInfo(info);
  return { ...result, clients };
}

const withBytes = (getData) => (getData ? async (...args) => toBytes(await getData(...args)) : getData);

function encodeOptions(opts = {}) {
  const out = { ...opts };
  if ('data' in out) out.data = toBytes(out.data);
  if (out.getData) out.getData = withBytes(out.getData);
  return out;
}

/**
 * Gives `target` (a prototype) the JSON-value API over the methods of `base` (the protobuf
 * build's own prototype, or the same one before it is changed).
 */
function adaptPayloads(target, base) {
  const { emit, publish, history, presence } = base;
  Object.assign(target, {
    emit(event, ctx, ...rest) {
      return emit.call(this, event, decodeContext(ctx), ...rest);
    },
    publish(...args) {
      args[args.length - 1] = toBytes(args[args.length - 1]);
      return publish.apply(this, args);
    },
    async history(...args) {
      const result = await history.apply(this, args);
      return { ...result, publications: result.publications.map(decodePublication) };
    },
    async presence(...args) {
      return decodePresence(await presence.apply(this, args));
    },
  });
}

class ProtobufJsonCentrifuge extends ProtobufCentrifuge {
  constructor(endpoint, opts) {
    super(endpoint, encodeOptions(opts));
  }
  async rpc(method, data) {
    const result = await super.rpc(method, toBytes(data));
    return { ...result, data: fromBytes(result.data) };
  }
  send(data) {
    return super.send(toBytes(data));
  }
  newSubscription(channel, opts) {
    return super.newSubscription(channel, encodeOptions(opts));
  }
}
adaptPayloads(ProtobufJsonCentrifuge.prototype, ProtobufCentrifuge.prototype);

// Subscriptions are made inside the client (its own class): their events, publish, history and
// presence are adapted on the class itself. Only in protobuf mode, so JSON runs are untouched.
if (PROTOCOL === 'protobuf') {
  const proto = ProtobufSubscription.prototype;
  adaptPayloads(proto, { emit: proto.emit, publish: proto.publish, history: proto.history, presence: proto.presence });
}

/** The Centrifuge class the suite uses. */
export const Centrifuge = PROTOCOL === 'protobuf' ? ProtobufJsonCentrifuge : JsonCentrifuge;

/**
 * The endpoint argument and extra options for a client of `server` on the transport chosen by
 * NEO_TEST_TRANSPORT (`wsUrl` unless a test names another WebSocket URL).
 */
export function clientEndpoint(server, wsUrl = server.wsUrl) {
  if (CLIENT_TRANSPORT === 'websocket') return { endpoint: wsUrl, options: {} };
  return {
    endpoint: [{ transport: 'http_stream', endpoint: `${server.url}/connection/http_stream` }],
    options: { fetch, readableStream: ReadableStream, emulationEndpoint: `${server.url}/emulation` },
  };
}
