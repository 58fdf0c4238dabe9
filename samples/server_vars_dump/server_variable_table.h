/*
 * server_variable_table.h - every server variable IIS documents for
 * GetServerVariable, in the order of docs/server-variables.md, with the
 * answer isapi-host gives to one fixed request.
 *
 * One list for three readers, so none can drift from the others: the
 * server_vars_dump sample asks each NAME in this order; the unit and
 * integration tests compare each answer with EXPECTED; a test checks that
 * docs/server-variables.md names every NAME.
 *
 * The request (SERVER_VARS_DUMP_TARGET, with the headers below, no body):
 *
 *   GET /vars.dll/extra/path?a=1&b=two HTTP/1.1
 *   Host: {host}
 *   User-Agent: server-vars-dump/1
 *   X-Dump-Token: dash
 *   X_Dump_Token: underscore
 *
 * EXPECTED is the value, or "!CODE" for a failure with that GetLastError().
 * Parts that depend on the run are placeholders the tests fill in: {host}
 * (the Host header), {server} (SERVER_NAME), {port} (the listening port),
 * {local} and {remote} (the two addresses), {remote_port}, {root} (--root,
 * absolute, no trailing slash). UNICODE_ rows show the wide answer converted
 * back to narrow text.
 *
 * SOURCE says where the value comes from: request (line), header,
 * connection, configuration, constant, or none (always empty here).
 */
#ifndef ISAPI_SERVER_VARIABLE_TABLE_H
#define ISAPI_SERVER_VARIABLE_TABLE_H

#define SERVER_VARS_DUMP_PATH "/vars.dll/extra/path"
#define SERVER_VARS_DUMP_TARGET SERVER_VARS_DUMP_PATH "?a=1&b=two"

/* X(NAME, EXPECTED, SOURCE) */
#define SERVER_VARIABLE_TABLE(X)                                                                        \
    X("ALL_HTTP",                                                                                       \
      "HTTP_HOST:{host}\nHTTP_USER_AGENT:server-vars-dump/1\nHTTP_X_DUMP_TOKEN:dash\n"                  \
      "HTTP_X_DUMP_TOKEN:underscore\n",                                                                 \
      "header")                                                                                         \
    X("ALL_RAW",                                                                                        \
      "Host: {host}\r\nUser-Agent: server-vars-dump/1\r\nX-Dump-Token: dash\r\nX_Dump_Token: underscore\r\n", \
      "header")                                                                                         \
    X("APPL_MD_PATH", "/LM/W3SVC/1/ROOT", "configuration")                                              \
    X("APPL_PHYSICAL_PATH", "{root}/", "configuration")                                                 \
    X("APP_POOL_CONFIG", "", "none")                                                                    \
    X("APP_POOL_ID", "DefaultAppPool", "configuration")                                                 \
    X("AUTH_PASSWORD", "", "none")                                                                      \
    X("AUTH_TYPE", "", "none")                                                                          \
    X("AUTH_USER", "", "none")                                                                          \
    X("CACHE_URL", "http://{server}:{port}" SERVER_VARS_DUMP_PATH, "request")                           \
    X("CERT_COOKIE", "", "none")                                                                        \
    X("CERT_FLAGS", "", "none")                                                                         \
    X("CERT_ISSUER", "", "none")                                                                        \
    X("CERT_KEYSIZE", "", "none")                                                                       \
    X("CERT_SECRETKEYSIZE", "", "none")                                                                 \
    X("CERT_SERIALNUMBER", "", "none")                                                                  \
    X("CERT_SERVER_ISSUER", "", "none")                                                                 \
    X("CERT_SERVER_SUBJECT", "", "none")                                                                \
    X("CERT_SUBJECT", "", "none")                                                                       \
    X("CONTENT_LENGTH", "0", "header")                                                                  \
    X("CONTENT_TYPE", "", "header")                                                                     \
    X("CRYPT_CIPHER_ALG_ID", "", "none")                                                                \
    X("CRYPT_HASH_ALG_ID", "", "none")                                                                  \
    X("CRYPT_KEYEXCHANGE_ALG_ID", "", "none")                                                           \
    X("CRYPT_PROTOCOL", "", "none")                                                                     \
    X("DOCUMENT_ROOT", "{root}", "configuration")                                                       \
    X("FORWARDED_URL", "", "none")                                                                      \
    X("GATEWAY_INTERFACE", "CGI/1.1", "constant")                                                       \
    X("HTTPS", "off", "connection")                                                                     \
    X("HTTPS_KEYSIZE", "", "none")                                                                      \
    X("HTTPS_SECRETKEYSIZE", "", "none")                                                                \
    X("HTTPS_SERVER_ISSUER", "", "none")                                                                \
    X("HTTPS_SERVER_SUBJECT", "", "none")                                                               \
    X("HTTP_METHOD", "GET", "request")                                                                  \
    X("HTTP_URL", SERVER_VARS_DUMP_TARGET, "request")                                                   \
    X("HTTP_VERSION", "HTTP/1.1", "request")                                                            \
    X("INSTANCE_ID", "1", "configuration")                                                              \
    X("INSTANCE_META_PATH", "/LM/W3SVC/1", "configuration")                                             \
    X("INSTANCE_NAME", "Default Web Site", "constant")                                                  \
    X("LOCAL_ADDR", "{local}", "connection")                                                            \
    X("LOGON_USER", "", "none")                                                                         \
    X("MANAGED_PIPELINE_MODE", "Integrated", "constant")                                                \
    X("PATH_INFO", "/extra/path", "request")                                                            \
    X("PATH_TRANSLATED", "{root}/extra/path", "request")                                                \
    X("QUERY_STRING", "a=1&b=two", "request")                                                           \
    X("REMOTE_ADDR", "{remote}", "connection")                                                          \
    X("REMOTE_HOST", "{remote}", "connection")                                                          \
    X("REMOTE_PORT", "{remote_port}", "connection")                                                     \
    X("REMOTE_USER", "", "none")                                                                        \
    X("REQUEST_FILENAME", "{root}/vars.dll", "request")                                                 \
    X("REQUEST_FLAGS", "0", "constant")                                                                 \
    X("REQUEST_METHOD", "GET", "request")                                                               \
    X("REQUEST_URI", SERVER_VARS_DUMP_TARGET, "request")                                                \
    X("SCRIPT_FILENAME", "{root}/vars.dll", "request")                                                  \
    X("SCRIPT_NAME", "/vars.dll", "request")                                                            \
    X("SCRIPT_TRANSLATED", "{root}/vars.dll", "request")                                                \
    X("SERVER_ADDR", "{local}", "connection")                                                           \
    X("SERVER_NAME", "{server}", "header")                                                              \
    X("SERVER_PORT", "{port}", "connection")                                                            \
    X("SERVER_PORT_SECURE", "0", "connection")                                                          \
    X("SERVER_PROTOCOL", "HTTP/1.1", "request")                                                         \
    X("SERVER_SOFTWARE", "isapi-harness/0.1", "constant")                                               \
    X("SSI_EXEC_DISABLED", "0", "constant")                                                             \
    X("UNENCODED_URL", SERVER_VARS_DUMP_TARGET, "request")                                              \
    X("UNMAPPED_REMOTE_USER", "", "none")                                                               \
    X("URL", SERVER_VARS_DUMP_PATH, "request")                                                          \
    X("HTTP_USER_AGENT", "server-vars-dump/1", "header")                                                \
    X("HTTP_X_DUMP_TOKEN", "dash", "header")                                                            \
    X("HEADER_X-Dump-Token", "dash", "header")                                                          \
    X("HEADER_X_Dump_Token", "underscore", "header")                                                    \
    X("HTTP_X_NOT_SENT", "!1413", "header")                                                             \
    X("UNICODE_URL", SERVER_VARS_DUMP_PATH, "request")                                                  \
    X("UNICODE_APPL_MD_PATH", "/LM/W3SVC/1/ROOT", "configuration")                                      \
    X("UNICODE_HTTP_USER_AGENT", "!1413", "header")                                                     \
    X("NO_SUCH_VARIABLE", "!1413", "none")

#endif
