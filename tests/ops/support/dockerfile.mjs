// A static reading of the Dockerfile (no Docker daemon here to build it): its instructions by
// stage, and the rules the image must keep.
import { existsSync, statSync } from 'node:fs';
import { path, read } from './tools.mjs';

export function instructions(text) {
  const out = [];
  let current = '';
  for (const raw of text.split('\n')) {
    if (!current && /^\s*#/.test(raw)) continue;
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    current += line;
    if (current.trim()) {
      const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(current.trim());
      out.push({ op: m[1].toUpperCase(), args: m[2].replace(/\s+/g, ' ') });
    }
    current = '';
  }
  return out;
}

export function stages(text) {
  const list = [];
  for (const ins of instructions(text)) {
    if (ins.op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(ins.args);
      list.push({ image: m[1], name: m[2] ?? null, instructions: [] });
    } else if (list.length) {
      list.at(-1).instructions.push(ins);
    }
  }
  return list;
}

export function checkDockerfile(text, dockerignore = '') {
  const problems = [];
  const all = stages(text);
  if (all.length < 2) return ['not a multi-stage build'];
  const build = all[0];
  const runtime = all.at(-1);
  if (!/^debian:bookworm(-slim)?$/.test(build.image))
    problems.push(`build stage is not debian:bookworm: ${build.image}`);
  if (!/^debian:bookworm(-slim)?$/.test(runtime.image))
    problems.push(`runtime stage is not debian:bookworm: ${runtime.image}`);
  const ignored = dockerignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  const buildRun = build.instructions
    .filter((i) => i.op === 'RUN')
    .map((i) => i.args)
    .join(' && ');
  if (!/scripts\/setup\.sh/.test(buildRun)) problems.push('the build stage does not run scripts/setup.sh');
  const flavour = /scripts\/build\.sh\s+(\w+)/.exec(buildRun)?.[1];
  const offered = /^\s*(\w+)\)\s/gm;
  const flavours = [...read('scripts/build.sh').matchAll(offered)].map((m) => m[1]);
  if (flavour !== 'release') problems.push(`the build stage does not run scripts/build.sh release (got ${flavour})`);
  if (flavour && !flavours.includes(flavour)) problems.push(`scripts/build.sh offers no flavour ${flavour}`);

  for (const stage of all) {
    for (const ins of stage.instructions) {
      // Project files named in RUN: scripts/..., deploy/..., tests/... must exist (and scripts run).
      if (ins.op === 'RUN') {
        for (const m of ins.args.matchAll(/(?:^|[\s;&|(])((?:scripts|deploy|tests)\/[\w./-]+)/g)) {
          const p = m[1];
          if (!existsSync(path(p))) problems.push(`RUN refers to ${p}, which does not exist`);
          else if (/\.sh$/.test(p) && !(statSync(path(p)).mode & 0o111)) problems.push(`${p} is not executable`);
        }
        for (const m of ins.args.matchAll(/build\/release\/[\w./-]+/g)) {
          // the binary's path, as scripts/dev.sh also runs it
          if (m[0].endsWith('/neo-events') && !read('scripts/dev.sh').includes(m[0])) {
            problems.push(`${m[0]} is not where scripts/dev.sh runs the release binary`);
          }
        }
      }
      if (ins.op === 'COPY' || ins.op === 'ADD') {
        const words = ins.args.split(' ').filter((w) => !w.startsWith('--'));
        const from = /--from=(\S+)/.exec(ins.args)?.[1];
        const sources = words.slice(0, -1);
        for (const s of sources) {
          if (from) {
            const origin = all.find((st) => st.name === from);
            const made =
              origin?.instructions
                .filter((i) => i.op === 'RUN')
                .map((i) => i.args)
                .join(' ') ?? '';
            if (!origin) problems.push(`COPY --from=${from}: no such stage`);
            else if (!made.includes(s)) problems.push(`COPY --from=${from} ${s}: not made by that stage's RUN`);
          } else if (s !== '.') {
            if (!existsSync(path(s))) problems.push(`COPY ${s}: no such path in the project`);
            if (ignored.some((pattern) => s === pattern.replace(/\/$/, '') || s.startsWith(pattern.replace(/^\//, ''))))
              problems.push(`COPY ${s}: excluded by .dockerignore`);
          }
        }
      }
    }
  }

  const find = (op) => runtime.instructions.filter((i) => i.op === op);
  const users = find('USER');
  const user = users.at(-1)?.args.split(':')[0];
  if (!user || user === 'root' || user === '0') problems.push('the runtime stage does not switch to a non-root USER');
  else if (user !== '10001') problems.push(`USER is ${user}, not 10001`);
  const health = find('HEALTHCHECK').at(-1);
  if (!health) problems.push('no HEALTHCHECK');
  else if (!/\/health/.test(health.args)) problems.push('HEALTHCHECK does not hit /health');
  else {
    const tool = /CMD \["([^"]+)"/.exec(health.args)?.[1];
    const installed = find('COPY').some((c) => c.args.endsWith(` ${tool}`));
    if (!tool || !installed) problems.push(`HEALTHCHECK runs ${tool}, which no COPY puts in the image`);
  }
  const exposed = find('EXPOSE').flatMap((e) => e.args.split(' '));
  for (const port of ['8000', '9000']) if (!exposed.includes(port)) problems.push(`port ${port} not EXPOSEd`);
  if (find('STOPSIGNAL').at(-1)?.args !== 'SIGTERM') problems.push('STOPSIGNAL is not SIGTERM');
  if (!find('VOLUME').length) problems.push('no VOLUME for the writable directory');
  return problems;
}
