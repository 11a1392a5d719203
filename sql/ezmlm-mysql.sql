-- ezmlm-mysql.sql: the tables of one list on the MySQL/MariaDB subscriber
-- store (ezmlm-mysql(5)), for the table root "ezmlm" (the default of the
-- subdb line).  The same text as "ezmlm-mktab ezmlm" prints; for another
-- root use ezmlm-mktab ROOT, or let ezmlm-make -6 LINE create them.
--
-- Compatible with ezmlm-idx 7.2: the same tables and columns, so its
-- programs keep working on them, plus a primary key on (hash, address), a
-- full index on address, a log record id, a log time that is never NULL,
-- an etype wide enough for the whole event tag, and 400-byte addresses.
-- Tables made by ezmlm-idx are upgraded with upgrade-from-ezmlm-idx-7.sql.

CREATE TABLE IF NOT EXISTS `ezmlm` (
  hash TINYINT UNSIGNED NOT NULL,
  address VARCHAR(400) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  PRIMARY KEY (hash, address),
  INDEX a (address)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_general_ci;
CREATE TABLE IF NOT EXISTS `ezmlm_slog` (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  tai TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  address VARCHAR(400) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  fromline VARCHAR(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  edir CHAR(1) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  etype VARCHAR(64) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  PRIMARY KEY (id),
  INDEX tai (tai)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_general_ci;
CREATE TABLE IF NOT EXISTS `ezmlm_cookie` (
  msgnum INTEGER UNSIGNED NOT NULL,
  tai TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  cookie CHAR(20) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  chunk TINYINT UNSIGNED NOT NULL DEFAULT 0,
  bodysize INTEGER UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (msgnum)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_general_ci;
CREATE TABLE IF NOT EXISTS `ezmlm_mlog` (
  msgnum INTEGER UNSIGNED NOT NULL,
  listno INTEGER UNSIGNED NOT NULL,
  tai TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  subs INTEGER UNSIGNED NOT NULL DEFAULT 0,
  done TINYINT NOT NULL DEFAULT 0,
  PRIMARY KEY (listno, msgnum, done)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_general_ci;
CREATE TABLE IF NOT EXISTS `ezmlm_allow` (
  hash TINYINT UNSIGNED NOT NULL,
  address VARCHAR(400) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  PRIMARY KEY (hash, address),
  INDEX a (address)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_general_ci;
CREATE TABLE IF NOT EXISTS `ezmlm_allow_slog` (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  tai TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  address VARCHAR(400) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  fromline VARCHAR(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  edir CHAR(1) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  etype VARCHAR(64) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  PRIMARY KEY (id),
  INDEX tai (tai)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_general_ci;
CREATE TABLE IF NOT EXISTS `ezmlm_deny` (
  hash TINYINT UNSIGNED NOT NULL,
  address VARCHAR(400) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  PRIMARY KEY (hash, address),
  INDEX a (address)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_general_ci;
CREATE TABLE IF NOT EXISTS `ezmlm_deny_slog` (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  tai TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  address VARCHAR(400) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  fromline VARCHAR(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  edir CHAR(1) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  etype VARCHAR(64) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  PRIMARY KEY (id),
  INDEX tai (tai)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_general_ci;
CREATE TABLE IF NOT EXISTS `ezmlm_digest` (
  hash TINYINT UNSIGNED NOT NULL,
  address VARCHAR(400) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  PRIMARY KEY (hash, address),
  INDEX a (address)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_general_ci;
CREATE TABLE IF NOT EXISTS `ezmlm_digest_slog` (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  tai TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  address VARCHAR(400) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  fromline VARCHAR(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  edir CHAR(1) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  etype VARCHAR(64) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  PRIMARY KEY (id),
  INDEX tai (tai)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_general_ci;
CREATE TABLE IF NOT EXISTS `ezmlm_digest_cookie` (
  msgnum INTEGER UNSIGNED NOT NULL,
  tai TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  cookie CHAR(20) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  chunk TINYINT UNSIGNED NOT NULL DEFAULT 0,
  bodysize INTEGER UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (msgnum)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_general_ci;
CREATE TABLE IF NOT EXISTS `ezmlm_digest_mlog` (
  msgnum INTEGER UNSIGNED NOT NULL,
  listno INTEGER UNSIGNED NOT NULL,
  tai TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  subs INTEGER UNSIGNED NOT NULL DEFAULT 0,
  done TINYINT NOT NULL DEFAULT 0,
  PRIMARY KEY (listno, msgnum, done)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_general_ci;
CREATE TABLE IF NOT EXISTS `ezmlm_mod` (
  hash TINYINT UNSIGNED NOT NULL,
  address VARCHAR(400) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  PRIMARY KEY (hash, address),
  INDEX a (address)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_general_ci;
CREATE TABLE IF NOT EXISTS `ezmlm_mod_slog` (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  tai TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  address VARCHAR(400) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  fromline VARCHAR(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  edir CHAR(1) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  etype VARCHAR(64) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  PRIMARY KEY (id),
  INDEX tai (tai)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_general_ci;
