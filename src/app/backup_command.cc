// leadwire backup: an online copy of a SQLite database while the server runs.
#include <boost/json.hpp>
#include <iostream>

#include "app/cli_support.h"
#include "app/commands.h"
#include "store/database.h"

namespace lw::app {

int RunBackup(const BackupOptions& o) {
  auto report = BackupDatabase(o.db, o.to);
  if (!report) return Complain(report.error());
  std::cout << boost::json::serialize(boost::json::object{
                   {"backup", o.to}, {"pages", report->pages}, {"bytes", report->bytes}})
            << std::endl;
  return 0;
}

}  // namespace lw::app
