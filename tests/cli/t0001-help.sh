#!/bin/sh
# t0001: help, version, usage errors and exit codes of the command table.
. "$(dirname "$0")/lib.sh"

expect "help exits 0" 0 "$MAMORI" help
out_has "help lists init" "init"
out_has "help lists doctor" "doctor"
out_has "help lists exit code 3" "3  refused by policy"
out_has "help lists --dir" "--dir DIR"
expect "--help exits 0" 0 "$MAMORI" --help
expect "no command is a usage error" 2 "$MAMORI"
expect "unknown command exits 2" 2 "$MAMORI" frobnicate
err_one_line "unknown command: one mamori: line"
err_has "unknown command says what to do" "see 'mamori help'"
expect "unknown global option exits 2" 2 "$MAMORI" --frob init
expect "--dir without value exits 2" 2 "$MAMORI" --dir
err_has "--dir without value explained" "'--dir' needs a directory"
expect "--version exits 0" 0 "$MAMORI" --version
out_has "--version names the program" "mamori 0."
out_has "--version names the build type" "build)"
expect "help CMD shows that command's usage" 0 "$MAMORI" help init
out_has "help init shows usage" "usage: mamori [--dir DIR] init"
expect "help of unknown command exits 2" 2 "$MAMORI" help frob
expect "CMD --help exits 0" 0 "$MAMORI" doctor --help
out_has "doctor --help lists --json" "--json"
expect "unknown option exits 2" 2 "$MAMORI" doctor --frob
err_has "unknown option named" "unknown option '--frob'"
expect "unknown option of a subcommand exits 2" 2 "$MAMORI" ledger proof --frob
err_has "the message names the whole subcommand" "see 'mamori ledger proof --help'"
expect "an extra argument to a subcommand exits 2" 2 "$MAMORI" section list extra
err_has "the extra argument is explained" "mamori: too many arguments; see 'mamori section list --help'"
expect "a missing argument to a subcommand exits 2" 2 "$MAMORI" record show
err_has "the missing argument is explained" "mamori: missing argument; see 'mamori record show --help'"
expect "a missing ledger index exits 2" 2 "$MAMORI" ledger entry
err_has "ledger says what is missing" "missing argument"
expect "bool option with value exits 2" 2 "$MAMORI" doctor --json=yes
expect "extra argument exits 2" 2 "$MAMORI" --dir "$TMP/x" init extra
done_testing
