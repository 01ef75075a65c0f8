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
  // The copy's secrets open only with the database's key, which is not in it:
  // named here, to be kept with the copy (apart from it).
  std::cout << boost::json::serialize(
                   boost::json::object{{"backup", o.to},
                                       {"pages", report->pages},
                                       {"bytes", report->bytes},
                                       {"secret_key_file", SecretKeyPath(o.db, o.secret_key_file)}})
            << std::endl;
  return 0;
}

}  // namespace lw::app
