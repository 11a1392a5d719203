/*
 * sqlprobe -- check that a MariaDB/MySQL server answers prepared statements.
 *
 *   sqlprobe [-h host] [-P port] [-S socket] [-u user] [-p password] [-d db]
 *
 * Defaults come from MARIADB_HOST (127.0.0.1), MARIADB_PORT (3306),
 * MARIADB_USER, MARIADB_PASSWORD and MARIADB_DB.  Without -S it connects
 * over TCP to host:port; with -S it connects over that unix socket
 * (MARIADB_SOCKET is not used unless -S is given, so the transport is
 * always explicit).
 *
 * It (re)creates the table sqlprobe, inserts four addresses with a prepared
 * INSERT (one contains % and _, one a quote: bound parameters are data, never
 * SQL or LIKE patterns), reads them back with a prepared SELECT, looks one
 * up by exact value and prints, on stdout:
 *
 *   server: <mysql_get_host_info(), e.g. "127.0.0.1 via TCP/IP">
 *   row 1: alice@example.org
 *   ...
 *   match a%b_c@example.org: a%b_c@example.org
 *   matches: 1
 *   ok
 *
 * Exit codes: 0 ok, 100 usage, 111 any server failure, with a message on
 * stderr naming the server ("MariaDB server at 127.0.0.1:3306" or "... at
 * socket /path").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mysql.h>

static char server_name[512];

static void fail(MYSQL *db, MYSQL_STMT *st, const char *what)
{
	const char *err = st ? mysql_stmt_error(st) : db ? mysql_error(db) : "";
	fprintf(stderr, "sqlprobe: MariaDB server at %s: %s failed: %s\n",
	        server_name, what, err && *err ? err : "unknown error");
	if (st)
		mysql_stmt_close(st);
	if (db)
		mysql_close(db);
	exit(111);
}

static void usage(void)
{
	fputs("usage: sqlprobe [-h host] [-P port] [-S socket] [-u user] [-p password] [-d db]\n",
	      stderr);
	exit(100);
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

static void query(MYSQL *db, const char *sql)
{
	if (mysql_query(db, sql) != 0)
		fail(db, NULL, sql);
}

static const char *const addresses[] = {
	"alice@example.org",
	"a%b_c@example.org",    /* as a LIKE pattern it would match the next one */
	"axxbyc@example.org",
	"o'neil@example.org",
};
#define N_ADDR (sizeof addresses / sizeof addresses[0])

static void insert_rows(MYSQL *db)
{
	static const char sql[] = "INSERT INTO sqlprobe (id, address) VALUES (?, ?)";
	MYSQL_STMT *st = mysql_stmt_init(db);
	if (!st)
		fail(db, NULL, "mysql_stmt_init");
	if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0)
		fail(db, st, "prepare INSERT");
	for (size_t i = 0; i < N_ADDR; i++) {
		int id = (int)i + 1;
		unsigned long len = (unsigned long)strlen(addresses[i]);
		MYSQL_BIND b[2];
		memset(b, 0, sizeof b);
		b[0].buffer_type = MYSQL_TYPE_LONG;
		b[0].buffer = &id;
		b[1].buffer_type = MYSQL_TYPE_STRING;
		b[1].buffer = (void *)addresses[i];
		b[1].buffer_length = len;
		b[1].length = &len;
		if (mysql_stmt_bind_param(st, b) != 0)
			fail(db, st, "bind INSERT");
		if (mysql_stmt_execute(st) != 0)
			fail(db, st, "execute INSERT");
	}
	mysql_stmt_close(st);
}

/* Runs a prepared "SELECT id, address ..." with an optional string
 * parameter, prints each row and returns the number of rows. */
static int select_rows(MYSQL *db, const char *sql, const char *param)
{
	MYSQL_STMT *st = mysql_stmt_init(db);
	if (!st)
		fail(db, NULL, "mysql_stmt_init");
	if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0)
		fail(db, st, "prepare SELECT");
	unsigned long plen = param ? (unsigned long)strlen(param) : 0;
	if (param) {
		MYSQL_BIND p;
		memset(&p, 0, sizeof p);
		p.buffer_type = MYSQL_TYPE_STRING;
		p.buffer = (void *)param;
		p.buffer_length = plen;
		p.length = &plen;
		if (mysql_stmt_bind_param(st, &p) != 0)
			fail(db, st, "bind SELECT");
	}
	if (mysql_stmt_execute(st) != 0)
		fail(db, st, "execute SELECT");

	int id = 0;
	char addr[256];
	unsigned long alen = 0;
	MYSQL_BIND r[2];
	memset(r, 0, sizeof r);
	r[0].buffer_type = MYSQL_TYPE_LONG;
	r[0].buffer = &id;
	r[1].buffer_type = MYSQL_TYPE_STRING;
	r[1].buffer = addr;
	r[1].buffer_length = sizeof addr - 1;
	r[1].length = &alen;
	if (mysql_stmt_bind_result(st, r) != 0)
		fail(db, st, "bind result");
	if (mysql_stmt_store_result(st) != 0)
		fail(db, st, "store result");

	int n = 0;
	for (;;) {
		int rc = mysql_stmt_fetch(st);
		if (rc == MYSQL_NO_DATA)
			break;
		if (rc == 1)
			fail(db, st, "fetch");
		if (rc == MYSQL_DATA_TRUNCATED || alen > sizeof addr - 1) {
			fprintf(stderr, "sqlprobe: MariaDB server at %s: row %d truncated\n",
			        server_name, id);
			mysql_stmt_close(st);
			mysql_close(db);
			exit(111);
		}
		addr[alen] = '\0';
		n++;
		if (param)
			printf("match %s: %s\n", param, addr);
		else
			printf("row %d: %s\n", id, addr);
	}
	mysql_stmt_free_result(st);
	mysql_stmt_close(st);
	return n;
}

int main(int argc, char **argv)
{
	const char *host = env_or("MARIADB_HOST", "127.0.0.1");
	const char *port_s = env_or("MARIADB_PORT", "3306");
	const char *sock = NULL;
	const char *user = env_or("MARIADB_USER", "");
	const char *pass = env_or("MARIADB_PASSWORD", "");
	const char *dbname = env_or("MARIADB_DB", "");
	int c;

	while ((c = getopt(argc, argv, "h:P:S:u:p:d:")) != -1) {
		switch (c) {
		case 'h': host = optarg; break;
		case 'P': port_s = optarg; break;
		case 'S': sock = optarg; break;
		case 'u': user = optarg; break;
		case 'p': pass = optarg; break;
		case 'd': dbname = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || !*user || !*dbname)
		usage();
	char *end;
	errno = 0;
	unsigned long port = strtoul(port_s, &end, 10);
	if (errno || end == port_s || *end || port == 0 || port > 65535)
		usage();

	if (sock)
		snprintf(server_name, sizeof server_name, "socket %s", sock);
	else
		snprintf(server_name, sizeof server_name, "%s:%lu", host, port);

	MYSQL *db = mysql_init(NULL);
	if (!db) {
		fprintf(stderr, "sqlprobe: MariaDB server at %s: out of memory\n", server_name);
		return 111;
	}
	unsigned int proto = sock ? MYSQL_PROTOCOL_SOCKET : MYSQL_PROTOCOL_TCP;
	unsigned int timeout = 10;
	mysql_options(db, MYSQL_OPT_PROTOCOL, &proto);
	mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (!mysql_real_connect(db, sock ? "localhost" : host, user, pass, dbname,
	                        sock ? 0 : (unsigned int)port, sock, 0))
		fail(db, NULL, "connect");

	printf("server: %s\n", mysql_get_host_info(db));
	query(db, "DROP TABLE IF EXISTS sqlprobe");
	query(db, "CREATE TABLE sqlprobe (id INT NOT NULL PRIMARY KEY, "
	          "address VARCHAR(255) NOT NULL) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
	insert_rows(db);
	int n = select_rows(db, "SELECT id, address FROM sqlprobe ORDER BY id", NULL);
	if (n != (int)N_ADDR) {
		fprintf(stderr, "sqlprobe: MariaDB server at %s: read %d rows, wrote %zu\n",
		        server_name, n, N_ADDR);
		mysql_close(db);
		return 111;
	}
	n = select_rows(db, "SELECT id, address FROM sqlprobe WHERE address = ? ORDER BY id",
	                addresses[1]);
	printf("matches: %d\n", n);
	mysql_close(db);
	puts("ok");
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("sqlprobe: write");
		return 111;
	}
	return 0;
}
