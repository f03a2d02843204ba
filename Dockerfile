# syntax=docker/dockerfile:1
# The neo-events server image: docker build -t neo-events:0.1.0 .
# The build stage runs the project's own scripts/setup.sh and scripts/build.sh release, so the
# image is built exactly as CI and developers build (it cannot drift from them); the runtime
# stage gets the binary and only the Debian packages its shared libraries come from.
# Not built in CI (no Docker daemon there): tests/ops checks this file statically.

FROM debian:bookworm AS build
WORKDIR /src
COPY . .
# setup.sh: compiler, libraries, Node and the npm packages (it also installs the test tools;
# they stay in this stage). build.sh release: optimised, no tests.
RUN scripts/setup.sh \
 && scripts/build.sh release \
 && deploy/docker/runtime-packages.sh build/release/src/cli/neo-events >/tmp/runtime-packages \
 && install -D -m 0755 build/release/src/cli/neo-events /out/neo-events

FROM debian:bookworm-slim
COPY --from=build /tmp/runtime-packages /tmp/runtime-packages
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates $(cat /tmp/runtime-packages) \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
 && groupadd --system --gid 10001 neo-events \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/neo-events --no-create-home \
      --shell /usr/sbin/nologin neo-events \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/neo-events \
 && install -d -m 0755 /etc/neo-events
COPY --from=build /out/neo-events /usr/local/bin/neo-events
COPY deploy/docker/healthcheck.sh /usr/local/bin/neo-events-healthcheck
COPY deploy/config/neo-events.yaml /etc/neo-events/neo-events.yaml

# The server writes nothing but stdout/stderr (log and audit log), so the root filesystem may
# be read-only; /var/lib/neo-events (a volume) and a /tmp tmpfs are the only writable places.
USER 10001:10001
WORKDIR /var/lib/neo-events
VOLUME ["/var/lib/neo-events"]
# 8000: clients and the API (public). 9000: /metrics, /health, /ready, /api (internal only).
EXPOSE 8000 9000
ENV NEO_EVENTS_HEALTH_ADDR=127.0.0.1:9000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/neo-events-healthcheck", "/health"]
# SIGTERM: not ready, drain delay, disconnects with 3001 spread out, exit (shutdown.* config).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/neo-events"]
CMD ["serve", "-c", "/etc/neo-events/neo-events.yaml"]
