#!/bin/sh
# The kiosk session for a kitchen screen: an X session with no desktop, the screen
# kept awake, and Rail full screen, restarted if it ever exits.
# Installed by the app package as /usr/bin/rail-kiosk-session, with rail-kiosk.desktop in
# /usr/share/xsessions/; set the display manager to log the kitchen user into it.
set -u

# Kitchens never want the screen to blank: no screen saver, no power saving.
xset s off -dpms s noblank 2>/dev/null || true
# A plain black root window while Rail starts.
xsetroot -solid black 2>/dev/null || true

while :; do
    # Settings (hub, token, stations) come from ~/.config/rail/screen.toml.
    rail --kiosk
    # Closing Rail takes the PIN; coming back here means it crashed: restart it.
    sleep 2
done
