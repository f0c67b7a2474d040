//! Screen profiles: the manager sets timer colours, language, look and sound once for
//! a group of screens, and every paired screen following that profile takes a change
//! while it runs — its open sockets are told at once, and a screen that is offline
//! hears it in `ready` when it returns.

use std::sync::Arc;

use rail_protocol::ScreenProfile;

use crate::auth::Claims;
use crate::clock::now_ms;
use crate::devices::{admin_only, DeviceError, Notice};
use crate::hub::Hub;
use crate::store::StoreError;

fn invalid(detail: String) -> DeviceError {
    DeviceError::Store(StoreError::Invalid(detail))
}

impl Hub {
    /// The profile `claims`' device follows, for its socket's `ready`. A failed read
    /// is logged and answered with none: the screen keeps what it had until the next
    /// change reaches it, which is better than refusing the socket.
    pub fn profile_of(&self, claims: &Claims) -> Option<ScreenProfile> {
        match self.lock().store.device_profile(&claims.loc, &claims.sub) {
            Ok(profile) => profile,
            Err(error) => {
                tracing::error!(%error, device = %claims.sub, "could not read a device's profile");
                None
            }
        }
    }

    /// Every profile of `who`'s location.
    ///
    /// # Errors
    /// `Forbidden` for anyone but an admin; store failures.
    pub fn screen_profiles(&self, who: &Claims) -> Result<Vec<ScreenProfile>, DeviceError> {
        admin_only(who, "read screen profiles")?;
        Ok(self.lock().store.profiles(&who.loc)?)
    }

    /// Creates or replaces the profile `name`; the screens following it take it now.
    /// Answers whether it is new.
    ///
    /// # Errors
    /// `Forbidden`, `Invalid` (every problem named), store failures.
    pub fn put_screen_profile(
        &self,
        who: &Claims,
        name: &str,
        profile: &ScreenProfile,
    ) -> Result<bool, DeviceError> {
        admin_only(who, "change screen profiles")?;
        if profile.name != name {
            return Err(invalid(format!(
                "the profile's name {:?} differs from the one in the address {name:?}",
                profile.name
            )));
        }
        let problems = profile.problems();
        if !problems.is_empty() {
            return Err(invalid(problems.join("; ")));
        }
        let (created, following) = {
            let state = self.lock();
            let created = state.store.put_profile(&who.loc, profile, now_ms())?;
            (created, state.store.devices_following(&who.loc, name)?)
        };
        self.audit(
            who,
            "profile",
            &format!(
                "{} {name}: warn {} min, late {} min, {}, {}, text ×{}, sound {}",
                if created { "created" } else { "changed" },
                profile.timers.warn_after_min,
                profile.timers.late_after_min,
                profile.language,
                profile.theme,
                profile.font_scale,
                if profile.sound_enabled { "on" } else { "off" },
            ),
        );
        let shared = Arc::new(profile.clone());
        for (device_id, _) in following {
            self.devices
                .tell(&who.loc, &device_id, Notice::Profile(Some(shared.clone())));
            self.tell_other_hubs(&who.loc, &device_id, crate::cluster::DeviceChange::Profile);
        }
        Ok(created)
    }

    /// Deletes a profile no device follows.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Conflict` (devices follow it, named), store failures.
    pub fn delete_screen_profile(&self, who: &Claims, name: &str) -> Result<(), DeviceError> {
        admin_only(who, "delete screen profiles")?;
        {
            let state = self.lock();
            let following = state.store.devices_following(&who.loc, name)?;
            if !following.is_empty() {
                let names: Vec<&str> = following.iter().map(|(_, n)| n.as_str()).collect();
                return Err(DeviceError::Store(StoreError::Conflict(format!(
                    "{} follow profile {name:?}: give them another profile first",
                    names.join(", ")
                ))));
            }
            if !state.store.delete_profile(&who.loc, name)? {
                return Err(DeviceError::NotFound(format!("no profile {name:?} here")));
            }
        }
        self.audit(who, "profile", &format!("deleted {name}"));
        Ok(())
    }

    /// Checks that `name` is a profile of `who`'s location ("" means none).
    pub(crate) fn check_profile_exists(
        &self,
        who: &Claims,
        name: &str,
    ) -> Result<Option<ScreenProfile>, DeviceError> {
        if name.is_empty() {
            return Ok(None);
        }
        self.lock()
            .store
            .profile(&who.loc, name)?
            .map(Some)
            .ok_or_else(|| {
                invalid(format!(
                    "there is no screen profile {name:?}; create it first"
                ))
            })
    }
}
