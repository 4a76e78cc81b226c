# Sourced by .ci/run: a throwaway PostgreSQL cluster on 127.0.0.1 for the test suites.
#
# start_postgres installs the server from apt when missing, creates a cluster in a temporary
# directory owned by the unprivileged `postgres` user, starts it on a free loopback port, and
# exports TOLLGATE_TEST_POSTGRES_URL. stop_postgres stops it and removes the directory.

start_postgres() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -z $bin || ! -x $bin/initdb ]]; then
        echo "installing PostgreSQL from apt"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    fi
    PG_BIN=$bin
    PG_DIR=$(mktemp -d /tmp/tollgate-pg.XXXXXX)
    PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    local as_postgres=()
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown postgres "$PG_DIR"
        as_postgres=(runuser -u postgres --)
    fi
    PG_AS=("${as_postgres[@]}")
    "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
    "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c max_connections=200" start >/dev/null
    export TOLLGATE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
    echo "PostgreSQL running: $TOLLGATE_TEST_POSTGRES_URL"
}

stop_postgres() {
    if [[ -n ${PG_DIR:-} && -d $PG_DIR ]]; then
        "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
}
