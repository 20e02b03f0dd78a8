# shellcheck shell=sh
# juju-sim: shared body of open-port and close-port (sourced after sim.sh and sim_record):
# `<port>[/<tcp|udp>]`, as the charm passes it; ranges, icmp and --endpoints are not simulated.
sim_value_flags=
sim_bool_flags=
sim_on_flag() { :; }
sim_parse "$@"
[ "$sim_np" -ge 1 ] || sim_usage "no port or range specified"
sim_check_max 1
case $sim_p1 in
*/*) sim_port=${sim_p1%%/*} sim_proto=${sim_p1#*/} ;;
*) sim_port=$sim_p1 sim_proto=tcp ;;
esac
case $sim_port in
'' | *[!0-9]*) sim_usage "juju-sim: $sim_tool $sim_p1 is not simulated (only <port>[/tcp|udp])" ;;
0* | ??????*) sim_usage "juju-sim: $sim_tool $sim_p1 is not simulated (ports 1-65535, no leading zeros)" ;;
esac
[ "$sim_port" -le 65535 ] || sim_usage "port range bounds must be between 0 and 65535, got $sim_port-$sim_port"
case $sim_proto in
tcp | udp) ;;
*) sim_usage "juju-sim: $sim_tool $sim_p1 is not simulated (only <port>[/tcp|udp])" ;;
esac
case $sim_tool in
open-port) sim_op=open ;;
*) sim_op=close ;;
esac
printf '%s %s\n' "$sim_op" "$sim_port/$sim_proto" >>"$S/pending-ports" || sim_fail "juju-sim: cannot write $S/pending-ports"
