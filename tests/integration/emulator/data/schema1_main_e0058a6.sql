-- A database written by the loginid-emulator of main at e0058a6 (schema version 1: UUID namespace ids,
-- 32-character client ids), before issue 11 changed the id formats: 'loginid-emulator --db old.db', then
-- 'loginid users create --username legacy@example.com' and 'loginid credentials add-publickey' with
-- legacy_user.key.pem beside this file, then SIGTERM and 'sqlite3 old.db .dump'. emulator_legacy_db_test
-- starts today's emulator on it: old ids must keep working.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version VALUES(1);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO settings VALUES('running','0');
INSERT INTO settings VALUES('default_namespace','9b1e76b9-6936-4910-a189-f61b55c68287');
INSERT INTO settings VALUES('default_web_client','uLDG0eVMVjr3dLR1hi06WgTcpPlnEccI');
INSERT INTO settings VALUES('default_management_client','2OyqB7OFAnULGxbn2m3ihLws0iOXg6ie');
CREATE TABLE namespaces (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL);
INSERT INTO namespaces VALUES('9b1e76b9-6936-4910-a189-f61b55c68287','default',1796121591082);
CREATE TABLE applications (
  client_id TEXT PRIMARY KEY,
  namespace_id TEXT NOT NULL REFERENCES namespaces(id),
  type TEXT NOT NULL CHECK (type IN ('web', 'management')),
  name TEXT NOT NULL,
  public_key_pem TEXT NOT NULL,
  private_key_pem TEXT,
  created_at INTEGER NOT NULL);
INSERT INTO applications VALUES('uLDG0eVMVjr3dLR1hi06WgTcpPlnEccI','9b1e76b9-6936-4910-a189-f61b55c68287','web','Default web application',replace('-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE3jeEQAhi4hj70v7kILwHrhE0bOmq\nc50ZTK5reP/0n9Zxo+ydjVJ58TNMiTyBInCGv+hm6NUusqEib2md4ppznQ==\n-----END PUBLIC KEY-----\n','\n',char(10)),replace('-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgYuxSaIPGZJEd7kBp\nJlORShIcFDnKYC2i66mPzI8iyCmhRANCAATeN4RACGLiGPvS/uQgvAeuETRs6apz\nnRlMrmt4//Sf1nGj7J2NUnnxM0yJPIEicIa/6Gbo1S6yoSJvaZ3imnOd\n-----END PRIVATE KEY-----\n','\n',char(10)),1796121591082);
INSERT INTO applications VALUES('2OyqB7OFAnULGxbn2m3ihLws0iOXg6ie','9b1e76b9-6936-4910-a189-f61b55c68287','management','Default management application',replace('-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEn1l8aFTwxjy6zq68wkY0tRrr09Ox\n6Mxqdw1Gwxela01ccvo15h7+OJjfDo6k4EMRAVfTzNHD/n9EU5ghiuQKmQ==\n-----END PUBLIC KEY-----\n','\n',char(10)),replace('-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgDFnpAFqaPoHap/6q\n5YaLkdl41L/PWK3F50z/VdMe4UKhRANCAASfWXxoVPDGPLrOrrzCRjS1GuvT07Ho\nzGp3DUbDF6VrTVxy+jXmHv44mN8OjqTgQxEBV9PM0cP+f0RTmCGK5AqZ\n-----END PRIVATE KEY-----\n','\n',char(10)),1796121591082);
CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  private_key_pem TEXT NOT NULL,
  public_key_pem TEXT NOT NULL,
  active INTEGER NOT NULL,
  created_at INTEGER NOT NULL);
INSERT INTO signing_keys VALUES('2fc39563-63c9-4fb5-8f2d-59c466c06d15',replace('-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgBiM9vmk0Az0HiIm6\nXF2uEQtReyIyTThkm7RdsIIeKOShRANCAAQdA+/cqgyc1I2CGABIKOR+XJ4v3Pz8\nvuYi9wxKuzw27JKjEdYLH5Tuh4vR4yTKVtbxQ2i8451628hBTJaiWknz\n-----END PRIVATE KEY-----\n','\n',char(10)),replace('-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEHQPv3KoMnNSNghgASCjkflyeL9z8\n/L7mIvcMSrs8NuySoxHWCx+U7oeL0eMkylbW8UNovOOdetvIQUyWolpJ8w==\n-----END PUBLIC KEY-----\n','\n',char(10)),1,1796121591082);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  namespace_id TEXT NOT NULL REFERENCES namespaces(id),
  username TEXT NOT NULL,
  username_key TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (namespace_id, username_key));
INSERT INTO users VALUES('20de009f-746f-4238-8608-905958c5d0e4','9b1e76b9-6936-4910-a189-f61b55c68287','legacy@example.com','legacy@example.com','active',1796121592565,1796121592565);
CREATE TABLE credentials (
  uuid TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  name TEXT NOT NULL,
  public_key_pem TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
INSERT INTO credentials VALUES('39dccfa2-2f75-46f4-bf8c-a23f3e5895f7','20de009f-746f-4238-8608-905958c5d0e4','public_key','active','legacy key',replace('-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEvleUf41zO3v9j4cmBYVL3zIVFQm0\n80M+SNNtDlf/p4HtYDUcz1hVQs6df6fiEdhW73WPmf+x0A7pfXwk6PhSLQ==\n-----END PUBLIC KEY-----\n','\n',char(10)),1796121592622,1796121592622);
CREATE TABLE codes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_type TEXT NOT NULL,
  purpose TEXT NOT NULL,
  code TEXT NOT NULL,
  is_authorized INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL);
CREATE TABLE transactions (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL,
  tx_type TEXT NOT NULL,
  tx_payload TEXT NOT NULL,
  nonce TEXT NOT NULL,
  username TEXT,
  status TEXT NOT NULL,
  server_nonce TEXT,
  created_at INTEGER NOT NULL);
CREATE TABLE challenges (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  credential_uuid TEXT NOT NULL REFERENCES credentials(uuid) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  challenge TEXT NOT NULL,
  expires_at INTEGER NOT NULL);
CREATE TABLE seen_nonces (
  client_id TEXT NOT NULL,
  nonce TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (client_id, nonce));
INSERT INTO seen_nonces VALUES('2OyqB7OFAnULGxbn2m3ihLws0iOXg6ie','85CvrntBLs0eDH6p',1796121893000);
INSERT INTO seen_nonces VALUES('2OyqB7OFAnULGxbn2m3ihLws0iOXg6ie','TrvwF0Sj2el9mUvq',1796121893000);
DELETE FROM sqlite_sequence;
CREATE INDEX credentials_user ON credentials(user_id);
CREATE INDEX codes_user ON codes(user_id, code_type, code);
COMMIT;
