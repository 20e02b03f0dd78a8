# shellcheck shell=sh
# juju-sim: shared code for the simulated Juju hook tools in ../bin (POSIX sh, sourced).
#
# State lives in the directory named by $JUJU_SIM_STATE (see testkit/juju-sim.ts):
#   config.json                                     what config-get prints, written by the harness
#   status message                                  stored unit workload status (raw bytes): the last
#                                                   status-set, or what Juju itself set around a hook
#   charm-status charm-message                      the charm's last unit status-set (raw bytes)
#   hook-error                                      the name of the hook whose failure Juju shows
#   version                                         last application-version-set (raw bytes)
#   ports                                           committed port ranges, one per line
#   pending-ports                                   "open <range>" / "close <range>" lines of the running hook
#   log                                             juju-log records: LEVEL NUL message NUL
#   calls/<n>                                       one file per tool call: tool NUL arg NUL ...
# Each tool takes the forms the charm uses (and status-get, to watch Juju's own statuses); any
# other flag or form is refused. Exit codes follow juju/cmd: 2 for flag/argument errors, 1 for
# run-time errors.

sim_tool=${0##*/}

sim_err() { printf 'ERROR %s\n' "$1" >&2; }
sim_usage() { sim_err "$1"; exit 2; }
sim_fail() { sim_err "$1"; exit 1; }

if [ -z "${JUJU_SIM_STATE:-}" ]; then
	printf 'ERROR %s: JUJU_SIM_STATE is not set: this is a juju-sim hook tool and only runs under the test harness (testkit/juju-sim.ts)\n' "$sim_tool" >&2
	exit 1
fi
if [ ! -d "$JUJU_SIM_STATE/calls" ]; then
	printf 'ERROR %s: JUJU_SIM_STATE=%s is not a juju-sim state directory (no calls/ inside)\n' "$sim_tool" "$JUJU_SIM_STATE" >&2
	exit 1
fi
S=$JUJU_SIM_STATE

# Sets sim_slot to the number of recorded calls (first free slot in the common case).
sim_count_calls() {
	set -- "$S/calls/"[0-9]*
	if [ -e "$1" ]; then sim_slot=$#; else sim_slot=0; fi
}

# Records this invocation ("$@" = argv without the tool name) as calls/<n>, NUL-separated.
sim_record() {
	sim_count_calls
	set -C
	while ! { printf '%s\0' "$sim_tool" "$@" >"$S/calls/$sim_slot"; } 2>/dev/null; do
		[ -e "$S/calls/$sim_slot" ] || { set +C; sim_fail "juju-sim: cannot record call in $S/calls"; }
		sim_slot=$((sim_slot + 1))
	done
	set +C
}

# Positionals collected by sim_parse: count, first two, all joined by spaces (as juju-log
# joins them), and Go-%q-like quoted forms used for "unrecognized args" errors.
sim_np=0
sim_p1=
sim_p2=
sim_joined=
sim_q1=
sim_q2=
sim_qrest=
sim_fmt=
sim_add_pos() {
	sim_np=$((sim_np + 1))
	case $sim_np in
	1) sim_p1=$1 sim_joined=$1 sim_q1="\"$1\"" ;;
	2) sim_p2=$1 sim_joined="$sim_joined $1" sim_q2="\"$1\"" ;;
	*) sim_joined="$sim_joined $1" sim_qrest="$sim_qrest${sim_qrest:+ }\"$1\"" ;;
	esac
}

# Fails like juju's cmd.CheckEmpty when more than $1 (0, 1 or 2) positionals were given.
sim_check_max() {
	[ "$sim_np" -le "$1" ] && return 0
	case $1 in
	0) sim_q="$sim_q1${sim_q2:+ }$sim_q2${sim_qrest:+ }$sim_qrest" ;;
	1) sim_q="$sim_q2${sim_qrest:+ }$sim_qrest" ;;
	*) sim_q=$sim_qrest ;;
	esac
	sim_usage "unrecognized args: [$sim_q]"
}

# Parses Go-gnuflag-style arguments (interspersed flags, --flag=v, --flag v, "--" ends flags).
# Tools set sim_value_flags / sim_bool_flags (space-separated) and define sim_on_flag NAME VALUE.
# Positionals: sim_np (count), sim_p1, sim_p2, sim_joined (all, space-joined, as juju-log does).
sim_parse() {
	while [ $# -gt 0 ]; do
		case $1 in
		--)
			shift
			for sim_a in "$@"; do sim_add_pos "$sim_a"; done
			return 0
			;;
		- | [!-]* | '') sim_add_pos "$1" ;;
		-*)
			sim_f=${1%%=*}
			case $1 in
			*=*) sim_v=${1#*=} sim_hv=1 ;;
			*) sim_v='' sim_hv=0 ;;
			esac
			case " $sim_value_flags " in
			*" $sim_f "*)
				if [ "$sim_hv" = 0 ]; then
					[ $# -ge 2 ] || sim_usage "flag needs an argument: $sim_f"
					sim_v=$2
					shift
				fi
				sim_on_flag "$sim_f" "$sim_v"
				;;
			*)
				case " $sim_bool_flags " in
				*" $sim_f "*)
					if [ "$sim_hv" = 1 ]; then
						case $sim_v in
						1 | t | T | TRUE | true | True) sim_v=true ;;
						0 | f | F | FALSE | false | False) sim_v=false ;;
						*) sim_usage "invalid value \"$sim_v\" for flag $sim_f: strconv.ParseBool: parsing \"$sim_v\": invalid syntax" ;;
						esac
					else
						sim_v=true
					fi
					sim_on_flag "$sim_f" "$sim_v"
					;;
				*) sim_usage "flag provided but not defined: $sim_f" ;;
				esac
				;;
			esac
			;;
		esac
		shift
	done
}

# Handles --format for tools that print output: only json is simulated.
sim_format_flag() {
	case $1 in
	json) sim_fmt=$1 ;;
	smart | yaml) sim_usage "juju-sim: $sim_tool supports only --format=json (the simulator does not render $1 output)" ;;
	*) sim_usage "invalid value \"$1\" for flag --format: unknown format \"$1\"" ;;
	esac
}

# Refuses output without --format=json.
sim_require_json() {
	[ "$sim_fmt" = json ] || sim_usage "juju-sim: $sim_tool supports only --format=json (the simulator does not render other output)"
}

# Prints the contents of file $1 (stdin when no argument) as a JSON string, escaped like Go's json.Marshal
# (backslash, quote, control characters, <, >, &, U+2028, U+2029). Missing file = "".
sim_json_file() {
	printf '"'
	if [ $# = 0 ] || [ -s "$1" ]; then
		LC_ALL=C sed -z \
			-e 's/\\/\\\\/g' -e 's/"/\\"/g' \
			-e 's/\n/\\n/g' -e 's/\t/\\t/g' -e 's/\r/\\r/g' \
			-e 's/\x01/\\u0001/g' -e 's/\x02/\\u0002/g' -e 's/\x03/\\u0003/g' -e 's/\x04/\\u0004/g' \
			-e 's/\x05/\\u0005/g' -e 's/\x06/\\u0006/g' -e 's/\x07/\\u0007/g' -e 's/\x08/\\u0008/g' \
			-e 's/\x0b/\\u000b/g' -e 's/\x0c/\\u000c/g' -e 's/\x0e/\\u000e/g' -e 's/\x0f/\\u000f/g' \
			-e 's/\x10/\\u0010/g' -e 's/\x11/\\u0011/g' -e 's/\x12/\\u0012/g' -e 's/\x13/\\u0013/g' \
			-e 's/\x14/\\u0014/g' -e 's/\x15/\\u0015/g' -e 's/\x16/\\u0016/g' -e 's/\x17/\\u0017/g' \
			-e 's/\x18/\\u0018/g' -e 's/\x19/\\u0019/g' -e 's/\x1a/\\u001a/g' -e 's/\x1b/\\u001b/g' \
			-e 's/\x1c/\\u001c/g' -e 's/\x1d/\\u001d/g' -e 's/\x1e/\\u001e/g' -e 's/\x1f/\\u001f/g' \
			-e 's/</\\u003c/g' -e 's/>/\\u003e/g' -e 's/&/\\u0026/g' \
			-e 's/\xe2\x80\xa8/\\u2028/g' -e 's/\xe2\x80\xa9/\\u2029/g' \
			"$@"
	fi
	printf '"'
}

# Prints file $1, or the string $2 when $1 does not exist.
sim_cat() {
	if [ -f "$1" ]; then
		cat "$1"
	elif [ $# -ge 2 ]; then
		printf '%s' "$2"
	fi
}

# Writes "$2" to state file $1 (raw bytes, no newline added).
sim_write() {
	printf '%s' "$2" >"$S/$1" || sim_fail "juju-sim: cannot write $S/$1"
}
