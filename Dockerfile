# Builds the `helpdesk` binary and the SPA; the runtime image holds both and nothing else.
FROM rust:1.95-bookworm AS build
WORKDIR /src
RUN rustup target add wasm32-unknown-unknown \
 && apt-get update && apt-get install -y --no-install-recommends brotli && rm -rf /var/lib/apt/lists/*
COPY Cargo.toml Cargo.lock ./
COPY .cargo .cargo
COPY crates crates
COPY frontend frontend
COPY migrations migrations
COPY scripts scripts
RUN WBG=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock) \
 && cargo install wasm-bindgen-cli --version "$WBG"
RUN CARGO_TARGET_DIR=/src/target ./scripts/build-frontend.sh \
 && cargo build --release -p helpdesk-server

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* && useradd --system --home /var/lib/helpdesk helpdesk \
 && mkdir -p /var/lib/helpdesk && chown helpdesk /var/lib/helpdesk
COPY --from=build /src/target/release/helpdesk /usr/local/bin/helpdesk
COPY --from=build /src/frontend/dist /usr/share/helpdesk/dist
USER helpdesk
ENV HELPDESK_DATA_DIR=/var/lib/helpdesk \
    HELPDESK_STATIC_DIR=/usr/share/helpdesk/dist \
    HELPDESK_BIND=0.0.0.0:8080 \
    HELPDESK_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["helpdesk"]
CMD ["all"]
