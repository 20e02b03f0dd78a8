import type { TinyproxyPaths } from './paths.ts';

/** The systemd unit the charm owns: tinyproxy in the foreground, as the account, restarted on failure. */
export function renderUnitFile(paths: TinyproxyPaths): string {
  return `# Written by the tinyproxy charm; removed when the charm is removed.
[Unit]
Description=tinyproxy reverse proxy (managed by the tinyproxy Juju charm)
After=network.target

[Service]
Type=simple
User=${paths.account}
Group=${paths.account}
ExecStart=${paths.binary} -d -c ${paths.configFile}
# The tutorial's reload: SIGUSR1 to the main process, which keeps its PID.
ExecReload=/bin/kill -USR1 $MAINPID
# tinyproxy 1.11.1 can crash on a reload under load; systemd brings it back.
Restart=on-failure
RestartSec=500ms
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes

[Install]
WantedBy=multi-user.target
`;
}
