//! Role strings and wildcard group patterns: compiling and matching never panic, simple
//! patterns mean what the documentation says, and matching stays fast. Inputs are capped at
//! what the service accepts (patterns and group names of 1024 characters), so a superlinear
//! matcher shows up as a libFuzzer timeout (run with `-timeout=`, see README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;
use webpubsub_emulator::fuzzing::{Pattern, Permission, Permissions};

const MAX_CHARS: usize = 1024;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Line 1: a pattern; line 2: a group name; line 3 on: role strings.
    let [pattern, group, roles] = webpubsub_fuzz::fields::<3>(text);
    if group.chars().count() > MAX_CHARS {
        return;
    }

    if let Ok(compiled) = Pattern::compile(pattern) {
        let matched = compiled.matches(group);
        let wildcard_free = !pattern.contains(['*', '?', '\\']);
        if wildcard_free {
            assert_eq!(matched, pattern == group, "literal pattern {pattern:?} vs {group:?}");
        }
        let roles = [format!("webpubsub.joinLeaveGroups.{pattern}"), format!("webpubsub.sendToGroups.{pattern}")];
        let perms = Permissions::from_roles(&roles).expect("the pattern compiled on its own");
        assert_eq!(perms.check(Permission::JoinLeaveGroup, Some(group)), matched);
        assert_eq!(perms.check(Permission::SendToGroup, Some(group)), matched);
        assert!(!perms.check(Permission::SendToGroup, None), "a pattern role grants every group");
    } else {
        assert!(pattern.chars().count() > MAX_CHARS || pattern.contains(['*', '\\']), "{pattern:?} refused");
    }

    // The group, with every character escaped, is a pattern that matches exactly the group.
    if group.chars().count() * 2 <= MAX_CHARS {
        let escaped: String = group.chars().flat_map(|c| ['\\', c]).collect();
        let exact = Pattern::compile(&escaped).expect("escapes only");
        assert!(exact.matches(group), "{escaped:?} does not match {group:?}");
    }
    assert!(Pattern::compile("**").expect("valid").matches(group));
    assert_eq!(Pattern::compile("*").expect("valid").matches(group), !group.contains('.'));

    // Role strings as they come in a token: never a panic, and unknown roles grant nothing.
    let roles: Vec<&str> = roles.lines().take(64).filter(|r| r.chars().count() <= 2 * MAX_CHARS).collect();
    if let Ok(perms) = Permissions::from_roles(&roles) {
        let granted =
            perms.check(Permission::JoinLeaveGroup, Some(group)) || perms.check(Permission::SendToGroup, Some(group));
        if granted {
            assert!(roles.iter().any(|r| r.starts_with("webpubsub.")), "{roles:?} grant {group:?}");
        }
    }
});
