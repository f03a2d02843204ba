// Writes the four Grafana dashboards of neo-events into deploy/grafana/dashboards/ from the
// compact descriptions below, so that every panel uses the same selectors, units and layout.
// Edit this file, then run `node deploy/grafana/generate.mjs`; tests/ops fails when the JSON
// files differ from what this writes, when a panel references a metric or label that is not in
// deploy/metrics-catalogue.json, or when promtool rejects one of its queries.
//
// Every query selects `job=~"$job", instance=~"$instance"`; namespace panels also
// `channel_namespace=~"$namespace"` and tenant panels `tenant=~"$tenant"`. Latency panels read
// classic histograms (`_bucket`), which aggregate across nodes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ri = '$__rate_interval';
const datasource = { type: 'prometheus', uid: '${datasource}' };

// `name{job=~"$job",instance=~"$instance",extra}`
function m(name, extra = '') {
  return `${name}{job=~"$job", instance=~"$instance"${extra ? ', ' + extra : ''}}`;
}
const ns = 'channel_namespace=~"$namespace"';
const rate = (selector) => `rate(${selector}[${ri}])`;
const quantile = (q, by, bucketSelector) =>
  `histogram_quantile(${q}, sum by (${by ? by + ', ' : ''}le) (${rate(bucketSelector)}))`;

// Template variables: the data source, then job and instance from centrifugo_node_build
// (exposed by every node), then the dashboard's own.
function queryVariable(name, label, query, allValue) {
  return {
    type: 'query',
    name,
    label,
    datasource,
    definition: query,
    query: { query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    includeAll: true,
    multi: true,
    allValue,
    current: { selected: true, text: ['All'], value: ['$__all'] },
    refresh: 2,
    sort: 1,
    hide: 0,
    regex: '',
    options: [],
  };
}
const baseVariables = [
  {
    type: 'datasource',
    name: 'datasource',
    label: 'Data source',
    query: 'prometheus',
    current: {},
    hide: 0,
    refresh: 1,
    regex: '',
    options: [],
  },
  queryVariable('job', 'Job', 'label_values(centrifugo_node_build, job)', '.+'),
  queryVariable('instance', 'Instance', 'label_values(centrifugo_node_build{job=~"$job"}, instance)', '.+'),
];
const namespaceVariable = queryVariable(
  'namespace',
  'Channel namespace',
  'label_values(centrifugo_client_subscriptions_inflight{job=~"$job"}, channel_namespace)',
  '.*',
);
const tenantVariable = queryVariable(
  'tenant',
  'Tenant',
  'label_values(neo_events_tenant_connections{job=~"$job"}, tenant)',
  '.*',
);

// A panel: `q` is a list of [expr, legend] pairs (or [expr, legend, {format, instant}]).
function panel(type, title, description, q, options = {}) {
  return { type, title, description, q, ...options };
}
const ts = (title, description, q, options) => panel('timeseries', title, description, q, options);
const stat = (title, description, q, options) => panel('stat', title, description, q, { w: 4, h: 4, ...options });

function build({ uid, title, description, variables, rows }) {
  let id = 0;
  let y = 0;
  const panels = [];
  for (const row of rows) {
    panels.push({
      type: 'row',
      id: ++id,
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y: y++ },
      panels: [],
    });
    let x = 0;
    let rowHeight = 0;
    for (const p of row.panels) {
      const w = p.w ?? 12;
      const h = p.h ?? 8;
      if (x + w > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      const out = {
        type: p.type,
        id: ++id,
        title: p.title,
        description: p.description,
        gridPos: { h, w, x, y },
      };
      if (p.type === 'text') {
        out.options = { mode: 'markdown', content: p.content };
      } else {
        out.datasource = datasource;
        out.targets = p.q.map(([expr, legendFormat, extra = {}], i) => ({
          datasource,
          expr,
          legendFormat,
          refId: String.fromCharCode(65 + i),
          range: !extra.instant,
          instant: Boolean(extra.instant),
          ...(extra.format ? { format: extra.format } : {}),
        }));
        out.fieldConfig = {
          defaults: {
            unit: p.unit ?? 'short',
            ...(p.min !== undefined ? { min: p.min } : {}),
            ...(p.type === 'timeseries'
              ? {
                  custom: {
                    drawStyle: p.bars ? 'bars' : 'line',
                    lineInterpolation: p.stepped ? 'stepAfter' : 'linear',
                    fillOpacity: p.stack ? 30 : 10,
                    stacking: { mode: p.stack ? 'normal' : 'none', group: 'A' },
                    showPoints: 'never',
                  },
                }
              : {}),
            ...(p.thresholds ? { thresholds: { mode: 'absolute', steps: p.thresholds } } : {}),
          },
          overrides: [],
        };
        out.options =
          p.type === 'timeseries'
            ? {
                legend: { displayMode: 'table', placement: 'bottom', calcs: ['mean', 'max', 'lastNotNull'] },
                tooltip: { mode: 'multi', sort: 'desc' },
              }
            : p.type === 'stat'
              ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value' }
              : p.type === 'bargauge'
                ? {
                    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
                    orientation: 'horizontal',
                    displayMode: 'basic',
                  }
                : p.type === 'heatmap'
                  ? { calculate: false, yAxis: { unit: p.unit ?? 's' }, color: { scheme: 'Oranges' } }
                  : {};
      }
      panels.push(out);
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return {
    uid,
    title,
    description,
    tags: ['neo-events'],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '10s',
    time: { from: 'now-1h', to: 'now' },
    timezone: 'browser',
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    links: [
      {
        type: 'dashboards',
        title: 'neo-events',
        tags: ['neo-events'],
        asDropdown: true,
        includeVars: true,
        keepTime: true,
      },
    ],
    templating: { list: [...baseVariables, ...variables] },
    panels,
  };
}

const deliveries = m('centrifugo_transport_messages_sent', `frame_type="push_publication", ${ns}`);

const eventFlow = build({
  uid: 'neo-events-event-flow',
  title: 'neo-events / Event Flow',
  description: 'Publications coming in, messages going out: rates, frame types, namespaces.',
  variables: [namespaceVariable],
  rows: [
    {
      title: 'Overview',
      panels: [
        stat(
          'Publications/s',
          'Publications accepted by the selected nodes (API and clients).',
          [[`sum(${rate(m('neo_events_publications_total'))})`, 'publications/s']],
          { unit: 'ops' },
        ),
        stat(
          'Deliveries/s',
          'Publications pushed to subscribers (push_publication frames sent), all transports.',
          [[`sum(${rate(deliveries)})`, 'deliveries/s']],
          { unit: 'ops' },
        ),
        stat('Fan-out', 'Deliveries per accepted publication over the interval.', [
          [`sum(${rate(deliveries)}) / clamp_min(sum(${rate(m('neo_events_publications_total'))}), 1e-9)`, 'fan-out'],
        ]),
        stat('Connections', 'Client connections on the selected nodes.', [
          [`sum(${m('centrifugo_node_num_clients')})`, 'connections'],
        ]),
        stat('Subscriptions', 'Client subscriptions on the selected nodes.', [
          [`sum(${m('centrifugo_node_num_subscriptions')})`, 'subscriptions'],
        ]),
        stat('Channels', 'Channels with at least one subscriber, as each node counts them (summed).', [
          [`sum(${m('centrifugo_node_num_channels')})`, 'channels'],
        ]),
      ],
    },
    {
      title: 'Publish and receive',
      panels: [
        ts(
          'Publications accepted by node',
          'neo_events_publications_total: publications this node accepted, from the API and from clients.',
          [[`sum by (instance) (${rate(m('neo_events_publications_total'))})`, '{{instance}}']],
          { unit: 'ops' },
        ),
        ts(
          'Broker messages by type',
          'Messages this node sent to / received from the broker (Redis or the in-process hub), by type.',
          [
            [`sum by (type) (${rate(m('centrifugo_node_messages_sent_count', ns))})`, 'sent {{type}}'],
            [`sum by (type) (${rate(m('centrifugo_node_messages_received_count', ns))})`, 'received {{type}}'],
          ],
          { unit: 'ops' },
        ),
        ts(
          'Client frames received by frame type',
          'Commands arriving from clients (publish, subscribe, rpc, pongs...).',
          [[`sum by (frame_type) (${rate(m('centrifugo_transport_messages_received', ns))})`, '{{frame_type}}']],
          { unit: 'ops', stack: true },
        ),
        ts(
          'Client bytes received by frame type',
          'Uncompressed bytes of client frames, without WebSocket framing.',
          [[`sum by (frame_type) (${rate(m('centrifugo_transport_messages_received_size', ns))})`, '{{frame_type}}']],
          { unit: 'Bps', stack: true },
        ),
      ],
    },
    {
      title: 'Deliveries',
      panels: [
        ts(
          'Messages sent by frame type',
          'Everything sent to clients: publications, joins/leaves, replies, pings, disconnects.',
          [[`sum by (frame_type) (${rate(m('centrifugo_transport_messages_sent', ns))})`, '{{frame_type}}']],
          { unit: 'ops', stack: true },
        ),
        ts(
          'Bytes sent by frame type',
          'Uncompressed bytes sent, without WebSocket framing (what compression would shrink).',
          [[`sum by (frame_type) (${rate(m('centrifugo_transport_messages_sent_size', ns))})`, '{{frame_type}}']],
          { unit: 'Bps', stack: true },
        ),
        ts(
          'Deliveries by transport',
          'push_publication frames sent, by transport.',
          [[`sum by (transport) (${rate(deliveries)})`, '{{transport}}']],
          { unit: 'ops', stack: true },
        ),
        ts(
          'Deliveries by node',
          'push_publication frames sent, by node: an uneven spread means uneven connections.',
          [[`sum by (instance) (${rate(deliveries)})`, '{{instance}}']],
          { unit: 'ops' },
        ),
      ],
    },
    {
      title: 'Per namespace',
      panels: [
        ts(
          'Deliveries per namespace',
          'push_publication frames sent, by channel namespace ("" is the default namespace).',
          [[`sum by (channel_namespace) (${rate(deliveries)})`, 'ns={{channel_namespace}}']],
          { unit: 'ops', stack: true },
        ),
        ts(
          'Publications per namespace',
          'Publications this node handed to the broker, by namespace.',
          [
            [
              `sum by (channel_namespace) (${rate(m('centrifugo_node_messages_sent_count', `type="publication", ${ns}`))})`,
              'ns={{channel_namespace}}',
            ],
          ],
          { unit: 'ops', stack: true },
        ),
        ts(
          'Subscriptions per namespace',
          'Current client subscriptions, by namespace.',
          [
            [
              `sum by (channel_namespace) (${m('centrifugo_client_subscriptions_inflight', ns)})`,
              'ns={{channel_namespace}}',
            ],
          ],
          { stack: true },
        ),
        ts(
          'Subscribes/s per namespace',
          'Subscriptions accepted per second (a spike after a deploy is clients resubscribing).',
          [
            [
              `sum by (channel_namespace) (${rate(m('centrifugo_client_subscriptions_accepted', ns))})`,
              'ns={{channel_namespace}}',
            ],
          ],
          { unit: 'ops' },
        ),
        ts(
          'Recoveries per namespace',
          'Resubscribes that asked to recover: recovered=false means the client missed publications and must reload its state.',
          [
            [
              `sum by (channel_namespace, recovered) (${rate(m('centrifugo_client_recover', ns))})`,
              'ns={{channel_namespace}} recovered={{recovered}}',
            ],
          ],
          { unit: 'ops', w: 24 },
        ),
      ],
    },
  ],
});

const deliveryBuckets = m('neo_events_delivery_latency_seconds_bucket');
const apiBuckets = m('centrifugo_api_command_duration_seconds_histogram_bucket');
const commandBuckets = m('centrifugo_client_command_duration_seconds_histogram_bucket', ns);
const lagBuckets = m('centrifugo_node_pub_sub_lag_seconds_bucket', ns);

const performance = build({
  uid: 'neo-events-performance',
  title: 'neo-events / Performance',
  description: 'Latency of delivery, of the server API and of client commands, and broker lag.',
  variables: [namespaceVariable],
  rows: [
    {
      title: 'Delivery latency',
      panels: [
        ts(
          'Delivery latency p50 / p95 / p99',
          'neo_events_delivery_latency_seconds: from a publication accepted to its bytes handed to the socket, all nodes.',
          [
            [quantile(0.5, '', deliveryBuckets), 'p50'],
            [quantile(0.95, '', deliveryBuckets), 'p95'],
            [quantile(0.99, '', deliveryBuckets), 'p99'],
          ],
          { unit: 's' },
        ),
        ts(
          'Delivery latency p95 by node',
          'The same p95, one line per node: one slow node stands out here.',
          [[quantile(0.95, 'instance', deliveryBuckets), '{{instance}}']],
          { unit: 's' },
        ),
        panel(
          'heatmap',
          'Delivery latency distribution',
          'Deliveries per latency bucket over time.',
          [[`sum by (le) (increase(${deliveryBuckets}[${ri}]))`, '{{le}}', { format: 'heatmap' }]],
          { unit: 's', w: 24 },
        ),
      ],
    },
    {
      title: 'Server API',
      panels: [
        ts(
          'API p95 by method',
          'centrifugo_api_command_duration_seconds_histogram, 95th percentile per method (publish, broadcast, batch...).',
          [[quantile(0.95, 'method', apiBuckets), '{{method}}']],
          { unit: 's' },
        ),
        ts(
          'API p50 / p99',
          'All methods together.',
          [
            [quantile(0.5, '', apiBuckets), 'p50'],
            [quantile(0.99, '', apiBuckets), 'p99'],
          ],
          { unit: 's' },
        ),
        ts(
          'API requests/s by method',
          'Server API commands per second.',
          [[`sum by (method) (${rate(m('centrifugo_api_command_duration_seconds_histogram_count'))})`, '{{method}}']],
          { unit: 'ops', stack: true },
        ),
        ts(
          'API errors/s by method and error',
          'Server API commands answered with an error.',
          [[`sum by (method, error) (${rate(m('centrifugo_api_command_errors_total'))})`, '{{method}} {{error}}']],
          { unit: 'ops' },
        ),
      ],
    },
    {
      title: 'Client commands',
      panels: [
        ts(
          'Client command p95 by method',
          'centrifugo_client_command_duration_seconds_histogram: time to answer a client command (connect, subscribe, publish, history...).',
          [[quantile(0.95, 'method', commandBuckets), '{{method}}']],
          { unit: 's' },
        ),
        ts(
          'Client command p99 by method',
          'The same, 99th percentile.',
          [[quantile(0.99, 'method', commandBuckets), '{{method}}']],
          { unit: 's' },
        ),
        ts(
          'Client commands/s by method',
          'Commands answered per second.',
          [
            [
              `sum by (method) (${rate(m('centrifugo_client_command_duration_seconds_histogram_count', ns))})`,
              '{{method}}',
            ],
          ],
          { unit: 'ops', stack: true },
        ),
        ts(
          'Client reply errors by method and code',
          'Commands answered with an error code (103 permission denied, 111 too many requests, 112 unrecoverable position...).',
          [[`sum by (method, code) (${rate(m('centrifugo_client_num_reply_errors', ns))})`, '{{method}} {{code}}']],
          { unit: 'ops' },
        ),
      ],
    },
    {
      title: 'Pub/sub lag',
      panels: [
        ts(
          'Pub/sub lag p50 / p95 / p99',
          'centrifugo_node_pub_sub_lag_seconds: from a publication sent to the broker to this node receiving it back.',
          [
            [quantile(0.5, '', lagBuckets), 'p50'],
            [quantile(0.95, '', lagBuckets), 'p95'],
            [quantile(0.99, '', lagBuckets), 'p99'],
          ],
          { unit: 's' },
        ),
        ts(
          'Pub/sub lag p99 by node',
          'The same p99 per node.',
          [[quantile(0.99, 'instance', lagBuckets), '{{instance}}']],
          { unit: 's' },
        ),
      ],
    },
  ],
});

const tenantSel = (name) => m(name, 'tenant=~"$tenant"');

const tenant = build({
  uid: 'neo-events-tenant',
  title: 'neo-events / Tenant',
  description: 'Per-tenant connections, publications and deliveries; quota, rate-limit and permission refusals.',
  variables: [tenantVariable],
  rows: [
    {
      title: 'Per tenant',
      panels: [
        panel('text', 'About these panels', 'Where the per-tenant series come from.', [], {
          w: 24,
          h: 3,
          content:
            'Per-tenant series exist only when `metrics.tenant_labels` is set: `{allow: [t1, t2]}` (those tenants) or `{top: N}` (the N most active at scrape time). Every other tenant is summed under `tenant="other"`. With the default `off` these panels are empty. See docs/operations.md#tenant-dashboard.',
        }),
        ts(
          'Connections per tenant',
          'neo_events_tenant_connections, summed over nodes.',
          [[`sum by (tenant) (${tenantSel('neo_events_tenant_connections')})`, '{{tenant}}']],
          { stack: true },
        ),
        panel('bargauge', 'Top 10 tenants by connections', 'Now, all nodes.', [
          [
            `topk(10, sum by (tenant) (${tenantSel('neo_events_tenant_connections')}))`,
            '{{tenant}}',
            { instant: true },
          ],
        ]),
        ts(
          'Publications/s per tenant',
          'Publications accepted into tenant:{id}:* channels (API and clients).',
          [[`sum by (tenant) (${rate(tenantSel('neo_events_tenant_publications_total'))})`, '{{tenant}}']],
          { unit: 'ops', stack: true },
        ),
        ts(
          'Deliveries/s per tenant',
          'Publications pushed to subscribers of tenant:{id}:* channels.',
          [[`sum by (tenant) (${rate(tenantSel('neo_events_tenant_deliveries_total'))})`, '{{tenant}}']],
          { unit: 'ops', stack: true },
        ),
        ts('Fan-out per tenant', 'Deliveries per publication: how many subscribers a tenant event reaches.', [
          [
            `sum by (tenant) (${rate(tenantSel('neo_events_tenant_deliveries_total'))}) / clamp_min(sum by (tenant) (${rate(tenantSel('neo_events_tenant_publications_total'))}), 1e-9)`,
            '{{tenant}}',
          ],
        ]),
        ts(
          'Share of connections per tenant',
          "Each tenant's part of all tenant connections.",
          [
            [
              `sum by (tenant) (${tenantSel('neo_events_tenant_connections')}) / scalar(clamp_min(sum(${m('neo_events_tenant_connections')}), 1))`,
              '{{tenant}}',
            ],
          ],
          { unit: 'percentunit', stack: true },
        ),
      ],
    },
    {
      title: 'Limits and refusals (all tenants; the audit log names the tenant)',
      panels: [
        ts(
          'Quota hits by quota',
          'neo_events_quota_hits_total: tenant connection quota (close 3504), channel limit (106/3505) and the like.',
          [[`sum by (quota) (${rate(m('neo_events_quota_hits_total'))})`, '{{quota}}']],
          { unit: 'ops' },
        ),
        ts(
          'Rate-limited by limit',
          'neo_events_rate_limited_total: commands or publications refused with 111 by a token bucket.',
          [[`sum by (limit) (${rate(m('neo_events_rate_limited_total'))})`, '{{limit}}']],
          { unit: 'ops' },
        ),
        ts(
          'Denials by reason',
          'neo_events_denials_total: refused tokens, origins, channels outside the tenant, roles without the permission.',
          [[`sum by (reason) (${rate(m('neo_events_denials_total'))})`, '{{reason}}']],
          { unit: 'ops' },
        ),
        ts(
          'Connections refused by a limit',
          'centrifugo_node_client_connection_limit: connects refused because a connection limit was reached.',
          [[`sum by (instance) (${rate(m('centrifugo_node_client_connection_limit'))})`, '{{instance}}']],
          { unit: 'ops' },
        ),
        ts(
          'Audit lines dropped',
          'neo_events_audit_dropped_total: audit lines lost because the writer fell behind (a flood of denials).',
          [[`sum by (instance) (${rate(m('neo_events_audit_dropped_total'))})`, '{{instance}}']],
          { unit: 'ops', w: 24 },
        ),
      ],
    },
  ],
});

const system = build({
  uid: 'neo-events-system',
  title: 'neo-events / System',
  description: 'Nodes, process resources, connections by transport, disconnects, Redis and readiness.',
  variables: [],
  rows: [
    {
      title: 'Nodes',
      panels: [
        stat(
          'Targets up',
          'Scrape targets of the selected jobs that answered the last scrape.',
          [[`sum(up{job=~"$job", instance=~"$instance"})`, 'up']],
          {
            thresholds: [
              { color: 'red', value: null },
              { color: 'green', value: 1 },
            ],
          },
        ),
        stat(
          'Nodes ready',
          'neo_events_ready: nodes taking new connections (0 while draining for a shutdown).',
          [[`sum(${m('neo_events_ready')})`, 'ready']],
          {
            thresholds: [
              { color: 'red', value: null },
              { color: 'green', value: 1 },
            ],
          },
        ),
        stat(
          'Nodes in the cluster',
          'centrifugo_node_num_nodes as the least-informed node sees it; lower than "Targets up" means a node is cut off from Redis.',
          [[`min(${m('centrifugo_node_num_nodes')})`, 'nodes']],
        ),
        stat('Connections', 'All client connections.', [[`sum(${m('centrifugo_node_num_clients')})`, 'connections']]),
        stat('Users', 'Distinct users, as each node counts them (summed).', [
          [`sum(${m('centrifugo_node_num_users')})`, 'users'],
        ]),
        stat('Versions', 'Nodes per build version.', [
          [`count by (version) (${m('centrifugo_node_build')})`, '{{version}}'],
        ]),
        ts(
          'Readiness by node',
          'neo_events_ready per node: it drops to 0 on SIGTERM, before the node drains its connections.',
          [[m('neo_events_ready'), '{{instance}}']],
          { stepped: true, min: 0 },
        ),
        ts(
          'Uptime by node',
          'Seconds since the process started; a reset is a restart.',
          [[`time() - ${m('process_start_time_seconds')}`, '{{instance}}']],
          { unit: 's' },
        ),
      ],
    },
    {
      title: 'Process',
      panels: [
        ts('CPU (cores)', 'process_cpu_seconds_total rate: 1 = one core busy.', [
          [rate(m('process_cpu_seconds_total')), '{{instance}}'],
        ]),
        ts(
          'Resident memory',
          'process_resident_memory_bytes per node.',
          [[m('process_resident_memory_bytes'), '{{instance}}']],
          { unit: 'bytes' },
        ),
        ts(
          'Open file descriptors',
          'Every connection holds one descriptor; process_max_fds is the limit (raise LimitNOFILE / ulimit -n).',
          [
            [m('process_open_fds'), 'open {{instance}}'],
            [m('process_max_fds'), 'max {{instance}}'],
          ],
        ),
        ts(
          'Descriptor use',
          'process_open_fds / process_max_fds: the alert NeoEventsConnectionsNearLimit fires above 80 %.',
          [[`${m('process_open_fds')} / ${m('process_max_fds')}`, '{{instance}}']],
          { unit: 'percentunit', min: 0 },
        ),
      ],
    },
    {
      title: 'Connections',
      panels: [
        ts('Connections by node', 'centrifugo_node_num_clients per node.', [
          [m('centrifugo_node_num_clients'), '{{instance}}'],
        ]),
        ts(
          'Connections by transport',
          'centrifugo_client_connections_inflight: websocket, sse, http_stream and the uni_ transports.',
          [[`sum by (transport) (${m('centrifugo_client_connections_inflight')})`, '{{transport}}']],
          { stack: true },
        ),
        ts(
          'New connections/s by transport',
          'centrifugo_client_connections_accepted: a spike is a reconnect storm (deploy, network blip).',
          [[`sum by (transport) (${rate(m('centrifugo_client_connections_accepted'))})`, '{{transport}}']],
          { unit: 'ops', stack: true },
        ),
        ts(
          'Server disconnects by code',
          'centrifugo_client_num_server_disconnects: 3001 shutdown, 3008 slow, 3012 no pong, 3504 connection limit, 3500 invalid token...',
          [[`sum by (code) (${rate(m('centrifugo_client_num_server_disconnects'))})`, '{{code}}']],
          { unit: 'ops' },
        ),
        ts(
          'Slow-client disconnects by transport',
          'neo_events_slow_client_disconnects_total: clients whose outbound queue passed client.queue_max_bytes.',
          [[`sum by (transport) (${rate(m('neo_events_slow_client_disconnects_total'))})`, '{{transport}}']],
          { unit: 'ops' },
        ),
        ts(
          'Server unsubscribes by code',
          'centrifugo_client_num_server_unsubscribes: 2500 insufficient state (gap), 2501 subscription expired...',
          [[`sum by (code) (${rate(m('centrifugo_client_num_server_unsubscribes'))})`, '{{code}}']],
          { unit: 'ops' },
        ),
      ],
    },
    {
      title: 'Redis and configuration',
      panels: [
        ts(
          'Redis pub/sub errors',
          'centrifugo_broker_redis_pub_sub_errors by broker and error: any is worth a look.',
          [
            [
              `sum by (broker_name, error) (${rate(m('centrifugo_broker_redis_pub_sub_errors'))})`,
              '{{broker_name}} {{error}}',
            ],
          ],
          { unit: 'ops' },
        ),
        ts(
          'Redis pub/sub dropped messages',
          'centrifugo_broker_redis_pub_sub_dropped_messages: messages lost between Redis and this node.',
          [
            [
              `sum by (broker_name, channel_type) (${rate(m('centrifugo_broker_redis_pub_sub_dropped_messages'))})`,
              '{{broker_name}} {{channel_type}}',
            ],
          ],
          { unit: 'ops' },
        ),
        ts(
          'Config reloads',
          'neo_events_config_reloads_total by result: refused means the new file was invalid and the old settings stayed.',
          [[`sum by (result) (increase(${m('neo_events_config_reloads_total')}[${ri}]))`, '{{result}}']],
          { bars: true, w: 24 },
        ),
      ],
    },
  ],
});

const dashboards = {
  'neo-events-event-flow.json': eventFlow,
  'neo-events-performance.json': performance,
  'neo-events-tenant.json': tenant,
  'neo-events-system.json': system,
};

// The files exactly as written (the drift test compares them byte for byte).
export function render() {
  return Object.fromEntries(Object.entries(dashboards).map(([file, d]) => [file, JSON.stringify(d, null, 2) + '\n']));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = join(here, 'dashboards');
  mkdirSync(out, { recursive: true });
  for (const [file, text] of Object.entries(render())) writeFileSync(join(out, file), text);
  console.log(`wrote ${Object.keys(dashboards).length} dashboards to ${out}`);
}
