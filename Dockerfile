FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin mana-auth

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /data mana && mkdir -p /data && chown mana /data
COPY --from=build /src/target/release/mana-auth /usr/local/bin/mana-auth
USER mana
VOLUME /data
# Metrics on a port of their own, reachable by a scraper on the container's network;
# publish 9464 only where that network is private.
ENV MANA_AUTH__SERVER__BIND=0.0.0.0:3001 \
    MANA_AUTH__METRICS__BIND=0.0.0.0:9464 \
    MANA_AUTH__DATABASE__URL=sqlite:///data/mana-auth.db?mode=rwc \
    MANA_AUTH__BACKUP__DIR=/data/backups
EXPOSE 3001 9464
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["mana-auth", "probe"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["mana-auth"]
CMD ["serve"]
