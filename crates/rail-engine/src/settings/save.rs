//! Saving what the settings screen changed into `screen.toml`, keeping the rest of the
//! file (comments included), validated and replaced atomically.

use std::path::Path;

use super::{KeyAction, ScreenFile, SettingsError, SettingsForm};

/// Writes `form` into the file at `path` (created if missing), keeping its other keys
/// and comments. The result is validated before it replaces the file, atomically, so a
/// bad value or a power cut never leaves a broken configuration.
///
/// # Errors
/// When the values are invalid or the file cannot be read or written.
pub fn save_settings(path: &Path, form: &SettingsForm) -> Result<ScreenFile, SettingsError> {
    use toml_edit::{value, Array, DocumentMut, Item, Table};
    let io_error = |target: &Path| {
        let path = target.display().to_string();
        move |source| SettingsError::Read { path, source }
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => return Err(io_error(path)(source)),
    };
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        SettingsError::Invalid(format!("{}: {e}", path.display()))
    })?;
    let url = form.hub_url.trim();
    if url.is_empty() {
        doc.remove("hub_url");
    } else {
        doc["hub_url"] = value(url);
    }
    let stations: Array = form
        .stations
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    doc["stations"] = value(stations);
    doc["expo"] = value(form.expo);
    doc["language"] = value(form.language.as_str());
    doc["theme"] = value(form.theme.as_str());
    doc["font_scale"] = value(form.font_scale);
    doc["select_before_bump"] = value(form.select_before_bump);
    doc["timers_by_order_type"] = thresholds_tables(
        form.timers_by_order_type
            .iter()
            .map(|(order_type, timers)| (order_type.as_str(), timers)),
    );
    doc["timers_by_station"] = thresholds_tables(
        form.timers_by_station
            .iter()
            .map(|(station, timers)| (station.trim(), timers))
            .filter(|(station, _)| !station.is_empty()),
    );
    for (table, key, item) in [
        (
            "timers",
            "warn_after_min",
            value(form.thresholds.warn_after_min),
        ),
        (
            "timers",
            "late_after_min",
            value(form.thresholds.late_after_min),
        ),
        ("sound", "enabled", value(form.sound_enabled)),
        ("sound", "volume", value(f64::from(form.volume))),
        (
            "sound",
            "muted_cues",
            value(
                form.muted_cues
                    .iter()
                    .map(String::as_str)
                    .collect::<Array>(),
            ),
        ),
    ] {
        if !doc.contains_table(table) {
            doc[table] = Item::Table(Table::new());
        }
        doc[table][key] = item;
    }
    if !doc.contains_table("keymap") {
        doc["keymap"] = Item::Table(Table::new());
    }
    // Touch only what changed, so the installer's lines and comments stay as they were;
    // a default left at its default is not written at all.
    for (action, key) in &form.keymap {
        let current = doc["keymap"]
            .get(action.as_str())
            .and_then(Item::as_str)
            .map(str::to_owned);
        let default = KeyAction::parse(action).map(KeyAction::default_key);
        let unchanged = match &current {
            Some(current) => current == key,
            None => default == Some(key.as_str()),
        };
        if !unchanged {
            doc["keymap"][action.as_str()] = value(key.as_str());
        }
    }
    let updated = doc.to_string();
    let parsed: ScreenFile = toml::from_str(&updated).map_err(|source| SettingsError::Parse {
        path: path.display().to_string(),
        source: Box::new(source),
    })?;
    parsed.validate()?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    }
    let temporary = path.with_extension("toml.new");
    std::fs::write(&temporary, &updated).map_err(io_error(&temporary))?;
    std::fs::rename(&temporary, path).map_err(io_error(path))?;
    Ok(parsed)
}

/// `[name.key]` tables of timer colours, one per key; an empty map writes nothing.
fn thresholds_tables<'a>(
    entries: impl Iterator<Item = (&'a str, &'a super::Thresholds)>,
) -> toml_edit::Item {
    use toml_edit::{value, Item, Table};
    let mut tables = Table::new();
    // Shown as `[timers_by_station.salad]` headers, not an empty `[timers_by_station]`.
    tables.set_implicit(true);
    for (key, timers) in entries {
        let mut table = Table::new();
        table["warn_after_min"] = value(timers.warn_after_min);
        table["late_after_min"] = value(timers.late_after_min);
        tables[key] = Item::Table(table);
    }
    Item::Table(tables)
}

#[cfg(test)]
mod tests {
    use super::super::Thresholds;
    use super::*;

    #[test]
    fn saving_settings_keeps_the_rest_of_the_file_and_its_comments() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("screen.toml");
        let original = "# installed by Ana\ntoken = \"secret-token\"\nstations = [\"grill\"]\n\n[keymap]\nbump = \"F1\" # the big red key\n";
        std::fs::write(&path, original).expect("write");
        let mut form = ScreenFile::load(&path, true)
            .expect("load")
            .ui_settings()
            .expect("ui")
            .form;
        form.hub_url = "http://10.0.0.5:7070".into();
        form.stations = vec!["grill".into(), " fry ".into(), "".into()];
        form.language = "es".into();
        form.thresholds = Thresholds {
            warn_after_min: 3.0,
            late_after_min: 6.0,
        };
        form.volume = 0.5;
        form.muted_cues = vec!["link-lost".into()];
        form.keymap.insert("recall".into(), "F2".into());
        let saved = save_settings(&path, &form).expect("save");
        assert_eq!(saved.keymap().expect("keymap")["recall"], "F2");
        assert_eq!(
            saved.keymap().expect("keymap")["bump"],
            "F1",
            "the installer's key stays"
        );
        assert_eq!(saved.sound.muted_cues, vec!["link-lost".to_owned()]);
        assert_eq!(saved.stations, vec!["grill".to_owned(), "fry".to_owned()]);
        let text = std::fs::read_to_string(&path).expect("read");
        for kept in [
            "# installed by Ana",
            "token = \"secret-token\"",
            "bump = \"F1\" # the big red key",
        ] {
            assert!(text.contains(kept), "{kept:?} lost:\n{text}");
        }
        let reloaded = ScreenFile::load(&path, true).expect("reload");
        assert_eq!(reloaded.hub_url.as_deref(), Some("http://10.0.0.5:7070"));
        assert_eq!(reloaded.language.as_deref(), Some("es"));
        assert_eq!(
            reloaded.timers,
            Some(Thresholds {
                warn_after_min: 3.0,
                late_after_min: 6.0
            })
        );
        assert_eq!(reloaded.sound.volume, Some(0.5));
    }

    #[test]
    fn timers_per_order_type_and_station_and_the_tap_mode_are_saved_and_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("screen.toml");
        std::fs::write(
            &path,
            "stations = [\"grill\"]\n[timers_by_station.salad]\nwarn_after_min = 2.0\nlate_after_min = 4.0\n",
        )
        .expect("write");
        let mut form = ScreenFile::load(&path, true)
            .expect("load")
            .ui_settings()
            .expect("ui")
            .form;
        assert_eq!(
            form.timers_by_station.len(),
            1,
            "the file's table reaches the form"
        );
        let drive_thru = Thresholds {
            warn_after_min: 3.0,
            late_after_min: 5.0,
        };
        form.timers_by_order_type
            .insert(rail_protocol::OrderType::DriveThru, drive_thru);
        form.timers_by_station.clear();
        form.timers_by_station.insert("fry".into(), drive_thru);
        form.select_before_bump = true;
        save_settings(&path, &form).expect("save");
        let reloaded = ScreenFile::load(&path, true).expect("reload");
        assert_eq!(
            reloaded.timers_by_order_type[&rail_protocol::OrderType::DriveThru],
            drive_thru
        );
        assert_eq!(
            reloaded.timers_by_station.keys().collect::<Vec<_>>(),
            ["fry"],
            "a station taken off the form leaves the file"
        );
        assert_eq!(reloaded.select_before_bump, Some(true));
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains("[timers_by_order_type.drive-thru]"), "{text}");
        let ui = reloaded.ui_settings().expect("ui");
        assert!(ui.select_before_bump);
        form.timers_by_station.insert(
            "grill".into(),
            Thresholds {
                warn_after_min: 4.0,
                late_after_min: 2.0,
            },
        );
        let refused = save_settings(&path, &form).expect_err("late before warn");
        assert!(
            refused.to_string().contains("timers_by_station.grill"),
            "{refused}"
        );
    }

    #[test]
    fn invalid_settings_are_refused_and_the_file_is_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("screen.toml");
        std::fs::write(&path, "stations = [\"grill\"]\n").expect("write");
        let mut form = ScreenFile::default().ui_settings().expect("ui").form;
        form.thresholds = Thresholds {
            warn_after_min: 9.0,
            late_after_min: 2.0,
        };
        assert!(save_settings(&path, &form).is_err());
        form = ScreenFile::default().ui_settings().expect("ui").form;
        form.language = "fr".into();
        assert!(save_settings(&path, &form)
            .expect_err("fr")
            .to_string()
            .contains("language"));
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "stations = [\"grill\"]\n"
        );
    }
}
