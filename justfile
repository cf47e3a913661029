# Latchkey tasks. `just` lists them.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Domain crates: pure logic, no I/O (see docs/architecture.md).
domain := "latchkey-core latchkey-tenancy latchkey-access latchkey-credential latchkey-notify latchkey-otp latchkey-oauth latchkey-device latchkey-flows latchkey-login latchkey-operator latchkey-messages"
# Adapter crates: may do I/O, never name the web framework.
adapters := "latchkey-crypto latchkey-memory latchkey-postgres latchkey-redis latchkey-smtp latchkey-sms"
# What a domain crate must never depend on (directly or not).
forbidden_in_domain := "diesel deadpool redis lettre actix-web actix-rt actix-http awc reqwest hyper anyhow tokio sqlx argon2 jsonwebtoken aws-lc-rs"
forbidden_in_adapters := "actix-web actix-http actix-rt awc"
# What the app must not name directly: these belong to the adapter crates.
forbidden_in_app := "argon2 jsonwebtoken aws-lc-rs diesel diesel-async redis"

default:
    @just --list

# Runs the server (dev mode on in-memory storage when no database is configured).
run *ARGS:
    cargo run -p latchkey -- {{ARGS}}

# Starts PostgreSQL and Redis first (installs them when missing: .ci/postgres, .ci/redis), and
# makes sure the SMTP test server (aiosmtpd) and headless Chromium with chromedriver are there
# (.ci/smtp, .ci/chromium). The black-box suite runs
# twice: on in-memory storage with the whole workspace, then with every server on PostgreSQL.
#
# Runs every test: unit, contract and black-box, on memory and PostgreSQL (nextest when installed).
test:
    #!/usr/bin/env bash
    set -euo pipefail
    bash .ci/postgres
    bash .ci/redis
    bash .ci/smtp
    bash .ci/chromium
    # A test on PostgreSQL holds a few connections (a test server's pool has 4): at most 8 tests
    # at once stay far below PostgreSQL's max_connections (100).
    jobs=$(nproc 2>/dev/null || echo 2)
    [ "$jobs" -le 8 ] || jobs=8
    # Modules of the black-box suite that run on PostgreSQL whatever the backend: the first run
    # covers them, the second skips them.
    own_db="database storage"
    filter=$(printf 'test(/^%s::/) | ' $own_db); filter="not (${filter% | })"
    skips=$(printf -- '--skip %s:: ' $own_db)
    status=0
    if cargo nextest --version >/dev/null 2>&1; then
        echo "== every test (black-box suite on in-memory storage)"
        LATCHKEY_TEST_BACKEND=memory cargo nextest run --workspace --locked --no-fail-fast \
            --test-threads "$jobs" || status=1
        echo
        echo "== black-box suite on PostgreSQL (LATCHKEY_TEST_BACKEND=postgres; modules $own_db: first run only)"
        LATCHKEY_TEST_BACKEND=postgres cargo nextest run -p latchkey-tests --locked --no-fail-fast \
            --test-threads "$jobs" -E "$filter" || status=1
    else
        echo "== every test (black-box suite on in-memory storage)"
        LATCHKEY_TEST_BACKEND=memory cargo test --workspace --locked --no-fail-fast \
            -- --test-threads "$jobs" || status=1
        echo
        echo "== black-box suite on PostgreSQL (LATCHKEY_TEST_BACKEND=postgres; modules $own_db: first run only)"
        # shellcheck disable=SC2086 # one word per --skip and name
        LATCHKEY_TEST_BACKEND=postgres cargo test -p latchkey-tests --locked --no-fail-fast \
            -- --test-threads "$jobs" $skips || status=1
    fi
    exit "$status"

# Fuzzes the HTTP API from its OpenAPI document with schemathesis (.ci/fuzz; pinned in
# .ci/fuzz-requirements.txt, installed when missing): every check over every operation, fixed
# seed, on in-memory storage and then on PostgreSQL (a fresh database, created and dropped).
# Fails on any 5xx, any answer the document does not describe, and any schema-valid request
# refused. `just fuzz-api 50` tries more examples per operation.
fuzz-api max_examples="16":
    #!/usr/bin/env bash
    set -euo pipefail
    status=0
    start=$SECONDS
    echo "== API fuzzing on in-memory storage"
    bash .ci/fuzz memory {{max_examples}} || status=1
    echo
    echo "== API fuzzing on PostgreSQL"
    bash .ci/fuzz postgres {{max_examples}} || status=1
    echo "fuzz-api: $((SECONDS - start)) s"
    exit "$status"

# Format check, clippy with warnings as errors, and the dependency rule.
lint: deps-check
    cargo fmt --all --check
    cargo clippy --workspace --all-targets --locked -- -D warnings

# Proves the dependency rule: domain crates reach no framework, database or runtime crate.
deps-check:
    #!/usr/bin/env bash
    set -euo pipefail
    check() {
        local crate=$1; shift
        # Every package in the crate's normal and build dependency graph, one name a line.
        local tree
        tree=$(cargo tree --locked -p "$crate" -e normal,build --prefix none --format '{p}' 2>&1) || {
            echo "deps-check: cargo tree failed for $crate:"; echo "$tree"; exit 1; }
        if ! grep -q "^$crate " <<<"$tree"; then
            echo "deps-check: $crate did not match any package"; exit 1
        fi
        for bad in "$@"; do
            if grep -q "^$bad " <<<"$tree"; then
                echo "deps-check: $crate depends on $bad, which the dependency rule forbids"
                cargo tree --locked -p "$crate" -e normal,build -i "$bad"
                exit 1
            fi
        done
        echo "deps-check: $crate ok"
    }
    for crate in {{domain}}; do check "$crate" {{forbidden_in_domain}}; done
    for crate in {{adapters}}; do check "$crate" {{forbidden_in_adapters}}; done
    # The apps' own dependencies (depth 1): adapters are reached through their crates only.
    for app in latchkey-server latchkey; do
        direct=$(cargo tree --locked -p "$app" -e normal,build --depth 1 --prefix none --format '{p}' 2>&1) || {
            echo "deps-check: cargo tree failed for $app:"; echo "$direct"; exit 1; }
        grep -q "^$app " <<<"$direct" || { echo "deps-check: $app did not match any package"; exit 1; }
        for bad in {{forbidden_in_app}}; do
            if grep -q "^$bad " <<<"$direct"; then
                echo "deps-check: $app names $bad directly; use it through its adapter crate"
                exit 1
            fi
        done
        echo "deps-check: $app names none of {{forbidden_in_app}}"
    done

# Fault tests (tests/faults): the real binary against PostgreSQL, Redis and SMTP servers of each
# test's own (never the shared ones of `just test`; PostgreSQL and Redis installed when missing),
# stopped, frozen, killed and restarted on purpose; kill -9 in the middle of moves; two instances
# on one database. One test at a time: they measure answer and recovery times.
test-faults:
    #!/usr/bin/env bash
    set -euo pipefail
    command -v redis-server >/dev/null || bash .ci/redis
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v pg_config >/dev/null || bash .ci/postgres
    start=$SECONDS
    # The tests run the binary itself (target/debug/latchkey), which no test dependency builds.
    cargo build --locked -p latchkey --bin latchkey
    if cargo nextest --version >/dev/null 2>&1; then
        cargo nextest run --locked -p latchkey-faults --run-ignored ignored-only \
            --test-threads 1 --no-fail-fast --no-capture
    else
        cargo test --locked -p latchkey-faults -- --ignored --test-threads 1 --nocapture
    fi
    echo "test-faults: $((SECONDS - start)) s"

# Release-build load test (wrk, 32 connections) against a bare actix-web hello; medians of interleaved rounds.
bench rounds="3" duration="10s":
    #!/usr/bin/env bash
    set -euo pipefail
    command -v wrk >/dev/null || { echo "bench needs wrk (Debian package 'wrk')"; exit 1; }
    cargo build --release --locked -p latchkey --bin latchkey
    cargo build --release --locked -p latchkey-server --example hello
    work=$(mktemp -d); pids=()
    trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
    wait_up() { for _ in $(seq 100); do curl -fs "$1" >/dev/null 2>&1 && return; sleep 0.1; done; echo "$1 did not come up"; exit 1; }
    # Appends "req/s p99" of one wrk run to the file named by $1.
    measure() { local out=$1; shift
        wrk -t2 -c32 -d{{duration}} --latency "$@" > "$work/wrk.txt"
        awk '/^Requests\/sec/ {r=$2} $1=="99%" {p=$2} END {print r, p}' "$work/wrk.txt" >> "$work/$out"; }
    # "median (min-max)" of the first column, and the median p99.
    summary() { sort -n "$work/$1" | awk '{r[NR]=$1; p[NR]=$2} END {m=int((NR+1)/2); printf "%.0f (%.0f-%.0f) | %s", r[m], r[1], r[NR], p[m]}'; }

    ./target/release/examples/hello 127.0.0.1:18080 & pids+=($!)
    secret=bench-secret-0123456789abcdef
    LATCHKEY_LISTEN=127.0.0.1:18081 LATCHKEY_LOG=warn LATCHKEY_BOOTSTRAP_CLIENT_SECRET=$secret \
        ./target/release/latchkey > "$work/server.log" 2>&1 & server=$!; pids+=($server)
    base=http://127.0.0.1:18081
    wait_up http://127.0.0.1:18080/; wait_up $base/healthz

    basic=$(printf 'latchkey-admin:%s' "$secret" | base64 -w0)
    printf 'wrk.method = "POST"\nwrk.body = "grant_type=client_credentials&scope=credentials%%3Aread"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\nwrk.headers["Authorization"] = "Basic %s"\n' "$basic" > "$work/token.lua"
    jwt=$(curl -fs -u "latchkey-admin:$secret" -d grant_type=client_credentials $base/token | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
    set_token=$(curl -fs -X POST -H "Authorization: Bearer $jwt" $base/v1/orgs/masmovil/credentials/bench@example.com | sed -E 's/.*"token":"([^"]+)".*/\1/')
    curl -fs -X PUT -H "Authorization: Bearer $jwt" -H 'Content-Type: application/json' \
        -d "{\"password\":\"a long bench passphrase\",\"token\":\"$set_token\"}" $base/v1/orgs/masmovil/credentials/bench@example.com
    printf 'wrk.method = "POST"\nwrk.body = "token=%s"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\nwrk.headers["Authorization"] = "Basic %s"\n' "$jwt" "$basic" > "$work/introspect.lua"
    curl -fs -u "latchkey-admin:$secret" -d "token=$jwt" $base/introspect | grep -q '"active":true' || { echo "introspection does not answer active"; exit 1; }

    for round in $(seq {{rounds}}); do
        echo "round $round/{{rounds}}" >&2
        measure hello http://127.0.0.1:18080/
        measure token -s "$work/token.lua" $base/token
        measure get -H "Authorization: Bearer $jwt" $base/v1/orgs/masmovil/credentials/bench@example.com
        measure introspect -s "$work/introspect.lua" $base/introspect
        # The same round's GET as a share of its hello.
        paste -d' ' <(tail -1 "$work/get") <(tail -1 "$work/hello") | awk '{print 100*$1/$3}' >> "$work/ratio"
    done
    rss_kib=$(awk '/VmHWM/ {print $2}' /proc/$server/status)

    echo
    echo "{{rounds}} rounds of {{duration}}, wrk -t2 -c32, median (min-max):"
    echo
    echo "| what | req/s | p99 |"
    echo "|---|---:|---:|"
    echo "| bare actix-web hello (baseline) | $(summary hello) |"
    echo "| POST /token (client credentials, ES256) | $(summary token) |"
    echo "| GET /v1/orgs/{org}/credentials/{username} (in-memory) | $(summary get) |"
    echo "| POST /introspect (RFC 7662, HTTP Basic, a live token) | $(summary introspect) |"
    echo
    echo "GET as a share of the same round's hello: $(sort -n "$work/ratio" | awk '{r[NR]=$1} END {m=int((NR+1)/2); printf "median %.0f%% (%.0f%%-%.0f%%)", r[m], r[1], r[NR]}')"
    echo "Peak server RSS (VmHWM) after the runs: $((rss_kib / 1024)) MiB"

# Release-build load test on PostgreSQL (LATCHKEY_BENCH_DATABASE_URL names the server, default the
# local one): GET credential and discover over 10 tenants, wrk -t2 -c32; medians of the rounds.
bench-pg rounds="3" duration="10s" pool="":
    #!/usr/bin/env bash
    set -euo pipefail
    command -v wrk >/dev/null || { echo "bench-pg needs wrk (Debian package 'wrk')"; exit 1; }
    command -v psql >/dev/null || { echo "bench-pg needs psql (Debian package 'postgresql-client')"; exit 1; }
    .ci/postgres
    admin=${LATCHKEY_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
    url=${admin%/*}/latchkey_bench
    psql -q "$admin" -c "DROP DATABASE IF EXISTS latchkey_bench WITH (FORCE)" -c "CREATE DATABASE latchkey_bench"
    cargo build --release --locked -p latchkey --bin latchkey
    work=$(mktemp -d); pids=()
    trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; psql -q "$admin" -c "DROP DATABASE IF EXISTS latchkey_bench WITH (FORCE)" || true' EXIT
    secret=bench-secret-0123456789abcdef
    pool="{{pool}}"; [ -n "$pool" ] && export LATCHKEY_DATABASE_POOL_SIZE=$pool
    LATCHKEY_DATABASE_URL=$url LATCHKEY_LISTEN=127.0.0.1:18082 \
        LATCHKEY_LOG=warn LATCHKEY_BOOTSTRAP_CLIENT_SECRET=$secret \
        ./target/release/latchkey > "$work/server.log" 2>&1 & server=$!; pids+=($server)
    base=http://127.0.0.1:18082
    for _ in $(seq 100); do curl -fs $base/healthz >/dev/null 2>&1 && break; sleep 0.1; done
    curl -fs $base/readyz >/dev/null || { echo "the server did not come up:"; cat "$work/server.log"; exit 1; }
    jwt=$(curl -fs -u "latchkey-admin:$secret" -d grant_type=client_credentials $base/token | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
    auth="Authorization: Bearer $jwt"
    # 10 enabled tenants (masmovil and yoigo exist), the username in every one of them.
    for i in $(seq 1 8); do
        curl -fs -X PUT -H "$auth" -H 'Content-Type: application/json' -d "{\"name\":\"Brand $i\"}" $base/v1/orgs/brand$i >/dev/null
    done
    for org in masmovil yoigo $(seq -f 'brand%g' 1 8); do
        curl -fs -X POST -H "$auth" $base/v1/orgs/$org/credentials/bench@example.com >/dev/null
    done
    found=$(curl -fs -H "$auth" $base/v1/orgs/masmovil/credentials/discover/bench@example.com | grep -o '"org"' | wc -l)
    [ "$found" = 10 ] || { echo "discover found $found credentials, not 10"; exit 1; }
    measure() { local out=$1; shift
        wrk -t2 -c32 -d{{duration}} --latency "$@" > "$work/wrk.txt"
        grep -q "Non-2xx" "$work/wrk.txt" && { echo "errors during the run:"; cat "$work/wrk.txt"; exit 1; }
        awk '/^Requests\/sec/ {r=$2} $1=="99%" {p=$2} END {print r, p}' "$work/wrk.txt" >> "$work/$out"; }
    summary() { sort -n "$work/$1" | awk '{r[NR]=$1; p[NR]=$2} END {m=int((NR+1)/2); printf "%.0f (%.0f-%.0f) | %s", r[m], r[1], r[NR], p[m]}'; }
    for round in $(seq {{rounds}}); do
        echo "round $round/{{rounds}}" >&2
        measure get -H "$auth" $base/v1/orgs/masmovil/credentials/bench@example.com
        measure discover -H "$auth" $base/v1/orgs/masmovil/credentials/discover/bench@example.com
    done
    echo
    echo "{{rounds}} rounds of {{duration}}, wrk -t2 -c32, pool ${pool:-default}, PostgreSQL $(psql -Atq "$admin" -c 'SHOW server_version'), median (min-max); p99 is the median round's:"
    echo
    echo "| what (on PostgreSQL) | req/s | p99 |"
    echo "|---|---:|---:|"
    echo "| GET /v1/orgs/{org}/credentials/{username} | $(summary get) |"
    echo "| GET .../credentials/discover/{username} (10 tenants) | $(summary discover) |"
    echo "Peak server RSS (VmHWM): $(( $(awk '/VmHWM/ {print $2}' /proc/$server/status) / 1024 )) MiB"

# Second factors on Redis: OTP issue, OTP validate and TOTP validate, every answer checked
# (apps/server/examples/bench_second_factors.rs), over CREDENTIALS credentials.
# Login server on PostgreSQL and Redis, in rounds: each measures the argon2id bound, then
# password logins/s against it, then refresh-token grants/s; prints every round and the medians
# (apps/server/examples/bench_login.rs). storage=memory runs the same on the in-memory adapters:
# what a login costs without its PostgreSQL and Redis round trips.
bench-login rounds="3" seconds="10" concurrency="32" storage="postgres":
    #!/usr/bin/env bash
    set -euo pipefail
    case "{{storage}}" in
        postgres) ;;
        memory)
            cargo build --release --locked -p latchkey --bin latchkey
            cargo build --release --locked -p latchkey-server --example bench_login
            exec ./target/release/examples/bench_login ./target/release/latchkey "" "" \
                {{seconds}} {{concurrency}} {{rounds}} ;;
        *) echo "storage is postgres or memory, not {{storage}}"; exit 1 ;;
    esac
    bash .ci/postgres
    bash .ci/redis
    admin=${LATCHKEY_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
    url=${admin%/*}/latchkey_bench_login
    psql -q "$admin" -c "DROP DATABASE IF EXISTS latchkey_bench_login WITH (FORCE)" -c "CREATE DATABASE latchkey_bench_login"
    trap 'psql -q "$admin" -c "DROP DATABASE IF EXISTS latchkey_bench_login WITH (FORCE)" || true' EXIT
    cargo build --release --locked -p latchkey --bin latchkey
    cargo build --release --locked -p latchkey-server --example bench_login
    # Refresh grants wait on PostgreSQL's commits, not its CPU: 16 connections let commits group.
    export LATCHKEY_DATABASE_POOL_SIZE=${LATCHKEY_DATABASE_POOL_SIZE:-16}
    ./target/release/examples/bench_login ./target/release/latchkey "$url" \
        "${LATCHKEY_BENCH_REDIS_URL:-redis://127.0.0.1:6379}" {{seconds}} {{concurrency}} {{rounds}}

# Release-build load test of the security service's operator plane: `POST /api/v1/oauth2` sign-ins
# against the argon2id bound of the same run (alternating slices), then `GET /api/v1/validateToken`
# against the bare actix-web hello (wrk -t2 -c32). storage: memory (default) or postgres (+ Redis).
bench-operators rounds="3" seconds="10" concurrency="32" storage="memory":
    #!/usr/bin/env bash
    set -euo pipefail
    command -v wrk >/dev/null || { echo "bench-operators needs wrk (Debian package 'wrk')"; exit 1; }
    cargo build --release --locked -p latchkey --bin latchkey
    cargo build --release --locked -p latchkey-server --example hello --example bench_operators
    case "{{storage}}" in
        memory) exec ./target/release/examples/bench_operators ./target/release/latchkey \
                ./target/release/examples/hello "" "" {{seconds}} {{concurrency}} {{rounds}} ;;
        postgres) ;;
        *) echo "storage is memory or postgres, not {{storage}}"; exit 1 ;;
    esac
    bash .ci/postgres
    bash .ci/redis
    admin=${LATCHKEY_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
    url=${admin%/*}/latchkey_bench_operators
    psql -q "$admin" -c "DROP DATABASE IF EXISTS latchkey_bench_operators WITH (FORCE)" -c "CREATE DATABASE latchkey_bench_operators"
    trap 'psql -q "$admin" -c "DROP DATABASE IF EXISTS latchkey_bench_operators WITH (FORCE)" || true' EXIT
    ./target/release/examples/bench_operators ./target/release/latchkey ./target/release/examples/hello \
        "$url" "${LATCHKEY_BENCH_REDIS_URL:-redis://127.0.0.1:6379}" {{seconds}} {{concurrency}} {{rounds}}

bench-redis credentials="20000" concurrency="32":
    #!/usr/bin/env bash
    set -euo pipefail
    bash .ci/redis
    cargo build --release --locked -p latchkey --bin latchkey
    cargo build --release --locked -p latchkey-server --example bench_second_factors
    ./target/release/examples/bench_second_factors ./target/release/latchkey \
        "${LATCHKEY_BENCH_REDIS_URL:-redis://127.0.0.1:6379}" {{credentials}} {{concurrency}}
