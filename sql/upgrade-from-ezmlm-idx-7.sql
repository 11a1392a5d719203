-- upgrade-from-ezmlm-idx-7.sql: brings the MySQL/MariaDB tables that
-- ezmlm-idx 7.x made for its subscriber store up to this suite's schema
-- (sql/ezmlm-mysql.sql, ezmlm-mysql(5)).  Every table of the current
-- database that has the columns of an ezmlm-idx address, subscription log,
-- cookie or message log table is upgraded:
--
--   address tables (hash, address): a primary key on (hash, address)
--     (of rows that are equal under the column's collation only the one
--     stored first is kept), a full index a on address instead of
--     ezmlm-idx's 12-character prefix, no separate index h on hash (the key
--     covers it), address widened to 400 bytes;
--   subscription logs (..._slog): tai NOT NULL DEFAULT CURRENT_TIMESTAMP,
--     with the NULL times ezmlm-idx wrote on current servers set to
--     1970-01-01 00:00:01 UTC ("unknown"); an id column (AUTO_INCREMENT
--     primary key, numbered in the order the rows were stored); etype wide
--     enough for the whole event tag; address widened to 400 bytes;
--   cookie and message logs: tai NOT NULL DEFAULT CURRENT_TIMESTAMP.
--
-- The columns keep their character sets and collations.  ezmlm-idx's own
-- programs keep working on the upgraded tables.  Running the script again
-- changes nothing.  Usage:
--
--   mariadb -h HOST -u USER -p DB < upgrade-from-ezmlm-idx-7.sql
--
-- (it needs the ALTER, CREATE ROUTINE and ALTER ROUTINE privileges; the
-- two procedures it makes are dropped at the end).

SET @ezmlm_old_tz = @@session.time_zone;
SET time_zone = '+00:00';

DROP PROCEDURE IF EXISTS ezmlm_upgrade_exec;
DROP PROCEDURE IF EXISTS ezmlm_upgrade_7;

DELIMITER //

CREATE PROCEDURE ezmlm_upgrade_exec(IN s TEXT)
BEGIN
    SET @ezmlm_sql = s;
    PREPARE ezmlm_stmt FROM @ezmlm_sql;
    EXECUTE ezmlm_stmt;
    DEALLOCATE PREPARE ezmlm_stmt;
END //

CREATE PROCEDURE ezmlm_upgrade_7()
BEGIN
    DECLARE done INT DEFAULT 0;
    DECLARE t VARCHAR(64);
    DECLARE k CHAR(1);
    DECLARE w BIGINT;
    DECLARE cs VARCHAR(64);
    DECLARE co VARCHAR(64);
    DECLARE nul VARCHAR(3);
    DECLARE todo TEXT;
    DECLARE cur CURSOR FOR SELECT name, kind FROM ezmlm_upgrade_tables ORDER BY name;
    DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1;

    DROP TEMPORARY TABLE IF EXISTS ezmlm_upgrade_tables;
    CREATE TEMPORARY TABLE ezmlm_upgrade_tables (name VARCHAR(64) NOT NULL, kind CHAR(1) NOT NULL);
    INSERT INTO ezmlm_upgrade_tables
        SELECT c.TABLE_NAME,
               CASE WHEN SUM(c.COLUMN_NAME IN ('hash', 'address')) = 2 AND COUNT(*) = 2 THEN 'a'
                    WHEN SUM(c.COLUMN_NAME IN ('tai', 'address', 'fromline', 'edir', 'etype')) = 5 THEN 's'
                    WHEN SUM(c.COLUMN_NAME IN ('msgnum', 'tai', 'cookie', 'chunk', 'bodysize')) = 5 THEN 'c'
                    WHEN SUM(c.COLUMN_NAME IN ('msgnum', 'listno', 'tai', 'subs', 'done')) = 5 THEN 'm'
                    ELSE '' END
          FROM information_schema.COLUMNS c
          JOIN information_schema.TABLES b
            ON b.TABLE_SCHEMA = c.TABLE_SCHEMA AND b.TABLE_NAME = c.TABLE_NAME AND b.TABLE_TYPE = 'BASE TABLE'
         WHERE c.TABLE_SCHEMA = DATABASE()
         GROUP BY c.TABLE_NAME;
    DELETE FROM ezmlm_upgrade_tables WHERE kind = '';

    OPEN cur;
    each_table: LOOP
        FETCH cur INTO t, k;
        IF done THEN
            LEAVE each_table;
        END IF;
        SET todo = '';

        IF k IN ('a', 's') THEN
            SELECT CHARACTER_MAXIMUM_LENGTH, CHARACTER_SET_NAME, COLLATION_NAME, IS_NULLABLE
              INTO w, cs, co, nul
              FROM information_schema.COLUMNS
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = t AND COLUMN_NAME = 'address';
            IF w < 400 OR nul = 'YES' THEN
                SET todo = CONCAT(todo, ', MODIFY address VARCHAR(400) CHARACTER SET ', cs,
                                  ' COLLATE ', co, ' NOT NULL');
            END IF;
        END IF;

        IF k = 'a' THEN
            IF NOT EXISTS (SELECT 1 FROM information_schema.STATISTICS
                            WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = t AND INDEX_NAME = 'PRIMARY') THEN
                -- duplicates first (ALTER IGNORE cannot be trusted with this)
                CALL ezmlm_upgrade_exec(CONCAT('ALTER TABLE `', t, '` ADD COLUMN ezmlm_upgrade_n ',
                    'BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, ADD UNIQUE KEY ezmlm_upgrade_n (ezmlm_upgrade_n)'));
                CALL ezmlm_upgrade_exec(CONCAT('DELETE x FROM `', t, '` x JOIN `', t, '` y ',
                    'ON x.hash = y.hash AND x.address = y.address AND x.ezmlm_upgrade_n > y.ezmlm_upgrade_n'));
                CALL ezmlm_upgrade_exec(CONCAT('ALTER TABLE `', t, '` DROP COLUMN ezmlm_upgrade_n'));
                SET todo = CONCAT(todo, ', ADD PRIMARY KEY (hash, address)');
            END IF;
            IF EXISTS (SELECT 1 FROM information_schema.STATISTICS
                        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = t AND INDEX_NAME = 'h') THEN
                SET todo = CONCAT(todo, ', DROP INDEX h');
            END IF;
            IF EXISTS (SELECT 1 FROM information_schema.STATISTICS
                        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = t AND INDEX_NAME = 'a'
                          AND SUB_PART IS NOT NULL) THEN
                SET todo = CONCAT(todo, ', DROP INDEX a, ADD INDEX a (address)');
            ELSEIF NOT EXISTS (SELECT 1 FROM information_schema.STATISTICS
                                WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = t AND INDEX_NAME = 'a') THEN
                SET todo = CONCAT(todo, ', ADD INDEX a (address)');
            END IF;
        END IF;

        IF k IN ('s', 'c', 'm') THEN
            CALL ezmlm_upgrade_exec(CONCAT('UPDATE `', t, '` SET tai = FROM_UNIXTIME(1) WHERE tai IS NULL'));
            IF EXISTS (SELECT 1 FROM information_schema.COLUMNS
                        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = t AND COLUMN_NAME = 'tai'
                          AND (IS_NULLABLE = 'YES' OR COLUMN_DEFAULT IS NULL)) THEN
                SET todo = CONCAT(todo, ', MODIFY tai TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP');
            END IF;
        END IF;

        IF k = 's' THEN
            SELECT CHARACTER_MAXIMUM_LENGTH, CHARACTER_SET_NAME, COLLATION_NAME
              INTO w, cs, co
              FROM information_schema.COLUMNS
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = t AND COLUMN_NAME = 'etype';
            IF w < 64 THEN
                SET todo = CONCAT(todo, ', MODIFY etype VARCHAR(64) CHARACTER SET ', cs,
                                  ' COLLATE ', co, ' NOT NULL');
            END IF;
            IF NOT EXISTS (SELECT 1 FROM information_schema.COLUMNS
                            WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = t AND COLUMN_NAME = 'id')
               AND NOT EXISTS (SELECT 1 FROM information_schema.STATISTICS
                                WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = t AND INDEX_NAME = 'PRIMARY') THEN
                SET todo = CONCAT(todo, ', ADD COLUMN id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT FIRST, ADD PRIMARY KEY (id)');
            END IF;
        END IF;

        IF todo <> '' THEN
            CALL ezmlm_upgrade_exec(CONCAT('ALTER TABLE `', t, '` ', SUBSTRING(todo, 3)));
        END IF;
    END LOOP;
    CLOSE cur;
    DROP TEMPORARY TABLE ezmlm_upgrade_tables;
END //

DELIMITER ;

CALL ezmlm_upgrade_7();
DROP PROCEDURE ezmlm_upgrade_7;
DROP PROCEDURE ezmlm_upgrade_exec;
SET time_zone = @ezmlm_old_tz;
