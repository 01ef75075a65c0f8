// The rule list as a real .xlsx workbook (libxlsxwriter): columns Status,
// Title, Trigger, URL, rows in the order given. Any thread.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "webhooks/rule.h"

namespace lw {

// The bytes of the workbook.
Result<std::string> RulesToXlsx(const std::vector<Rule>& rules);

}  // namespace lw
