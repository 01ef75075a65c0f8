#include "webhooks/rules_export.h"

#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/unicode.h"
#include "domain/triggers.h"

namespace lw {

Result<std::string> RulesToXlsx(const std::vector<Rule>& rules) {
  // libxlsxwriter 1.1.4 writes only to a file: use a private temporary one.
  char path[] = "/tmp/leadwire-export-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return Fail(Error::Internal("cannot create a temporary file for the export"));
  close(fd);
  lxw_workbook* wb = workbook_new(path);
  if (!wb) {
    unlink(path);
    return Fail(Error::Internal("cannot start the workbook"));
  }
  lxw_worksheet* ws = workbook_add_worksheet(wb, "Webhook Rules");
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  // Never a secret: the authentication's kind and the header names only.
  const char* headers[] = {"Status", "Title", "Trigger", "URL", "Authentication"};
  for (int col = 0; col < 5; ++col) worksheet_write_string(ws, 0, col, headers[col], bold);
  worksheet_set_column(ws, 0, 0, 10, nullptr);
  worksheet_set_column(ws, 1, 1, 40, nullptr);
  worksheet_set_column(ws, 2, 2, 28, nullptr);
  worksheet_set_column(ws, 3, 3, 60, nullptr);
  worksheet_set_column(ws, 4, 4, 40, nullptr);
  lxw_row_t row = 1;
  for (const Rule& r : rules) {
    const Trigger* t = FindTrigger(r.trigger_id);
    worksheet_write_string(ws, row, 0, r.enabled ? "Enabled" : "Disabled", nullptr);
    // Text stored before control characters were refused (or by other means)
    // must not make the whole file unreadable, nor be cut at a NUL.
    worksheet_write_string(ws, row, 1, ReplaceForbiddenCharacters(r.title).c_str(), nullptr);
    worksheet_write_string(ws, row, 2, t ? t->name : "", nullptr);
    worksheet_write_string(ws, row, 3, ReplaceForbiddenCharacters(r.url).c_str(), nullptr);
    worksheet_write_string(
        ws, row, 4, ReplaceForbiddenCharacters(CredentialsSummary(r.credentials)).c_str(), nullptr);
    ++row;
  }
  const lxw_error err = workbook_close(wb);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  unlink(path);
  if (err != LXW_NO_ERROR)
    return Fail(Error::Internal(std::string("cannot write the workbook: ") + lxw_strerror(err)));
  return bytes.str();
}

}  // namespace lw
