# shellcheck shell=sh
# juju-sim: shared body of open-port and close-port (sourced after sim.sh and sim_record).
sim_deprecated_format=
sim_value_flags='--format --endpoints'
sim_bool_flags=
sim_on_flag() {
	case $1 in
	--format) sim_deprecated_format=$2 ;;
	esac
}
sim_parse "$@"
[ "$sim_np" -ge 1 ] || sim_usage "no port or range specified"
sim_range=$sim_p1
case $sim_range in *[A-Z]*) sim_range=$(printf '%s' "$sim_range" | tr '[:upper:]' '[:lower:]') ;; esac

# Validates the port number $1 and sets sim_n to it without leading zeros.
sim_port_number() {
	case $1 in
	'' | *[!0-9]*) sim_usage "invalid port \"$1\": strconv.Atoi: parsing \"$1\": invalid syntax" ;;
	esac
	sim_n=$1
	while :; do
		case $sim_n in 0?*) sim_n=${sim_n#0} ;; *) break ;; esac
	done
	[ "${#sim_n}" -le 18 ] || sim_n=999999
}

sim_proto=tcp
case $sim_range in
*/*) sim_ports=${sim_range%%/*} sim_proto=${sim_range#*/} ;;
*) sim_ports=$sim_range ;;
esac
case $sim_ports in
icmp) sim_from=-1 sim_to=-1 sim_proto=icmp ;;
*-*-*) sim_usage "invalid port range \"$sim_ports\"" ;;
*-*)
	sim_port_number "${sim_ports%%-*}"
	sim_from=$sim_n
	sim_port_number "${sim_ports#*-}"
	sim_to=$sim_n
	;;
*)
	sim_port_number "$sim_ports"
	sim_from=$sim_n sim_to=$sim_n
	;;
esac
case $sim_proto in
tcp | udp | icmp) ;;
*) sim_usage "invalid protocol \"$sim_proto\", expected \"tcp\", \"udp\", or \"icmp\"" ;;
esac
if [ "$sim_proto" = icmp ]; then
	[ "$sim_from" = -1 ] || sim_usage "protocol \"icmp\" doesn't support any ports; got \"$sim_from\""
	sim_norm=icmp
else
	[ "$sim_from" -le "$sim_to" ] || sim_usage "invalid port range $sim_from-$sim_to/$sim_proto"
	if [ "$sim_from" -gt 65535 ] || [ "$sim_to" -gt 65535 ]; then
		sim_usage "port range bounds must be between 0 and 65535, got $sim_from-$sim_to"
	fi
	if [ "$sim_from" = "$sim_to" ]; then sim_norm=$sim_from/$sim_proto; else sim_norm=$sim_from-$sim_to/$sim_proto; fi
fi
sim_check_max 1
if [ -n "$sim_deprecated_format" ]; then
	printf '%s' "--format flag deprecated for command \"$sim_tool\"" >&2
fi
case $sim_tool in
open-port) sim_op=open ;;
*) sim_op=close ;;
esac
printf '%s %s\n' "$sim_op" "$sim_norm" >>"$S/pending-ports" || sim_fail "juju-sim: cannot write $S/pending-ports"
