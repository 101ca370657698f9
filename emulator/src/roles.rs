//! Roles and permissions of a connection (PROTOCOL.md section 5).
//!
//! Role strings come from the token's `role` claim and from REST grant/revoke. Three forms per
//! permission: plain (`webpubsub.joinLeaveGroup`: any group), exact (`webpubsub.joinLeaveGroup.<g>`:
//! everything after the prefix is the literal group name, dots included) and wildcard
//! (`webpubsub.joinLeaveGroups.<pattern>`, note the plural).

use std::collections::HashSet;

/// The two group permissions a connection can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    JoinLeaveGroup,
    SendToGroup,
}

impl Permission {
    /// Parses the REST `{permission}` path segment (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        if s.eq_ignore_ascii_case("joinLeaveGroup") {
            Some(Self::JoinLeaveGroup)
        } else if s.eq_ignore_ascii_case("sendToGroup") {
            Some(Self::SendToGroup)
        } else {
            None
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Self::JoinLeaveGroup => "webpubsub.joinLeaveGroup",
            Self::SendToGroup => "webpubsub.sendToGroup",
        }
    }

    fn pattern_prefix(self) -> &'static str {
        match self {
            Self::JoinLeaveGroup => "webpubsub.joinLeaveGroups.",
            Self::SendToGroup => "webpubsub.sendToGroups.",
        }
    }
}

/// A role string that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("wildcard pattern {0:?} has more than 5 '*'")]
    TooManyStars(String),
    #[error("wildcard pattern {0:?} ends with a lone '\\'")]
    DanglingEscape(String),
    #[error("wildcard pattern {0:?} is longer than 1024 characters")]
    TooLong(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Lit(char),
    /// `?`: one character except `.`
    One,
    /// `*`: any run of characters except `.`
    Star,
    /// `**`: any run of characters, dots included
    DoubleStar,
}

/// A compiled wildcard group pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    source: String,
    tokens: Vec<Token>,
}

impl Pattern {
    /// Compiles `source` per the documented syntax: `?`, `*`, `**`, `\` escapes, at most five `*`.
    pub fn compile(source: &str) -> Result<Self, RoleError> {
        if source.chars().count() > 1024 {
            return Err(RoleError::TooLong(source.to_string()));
        }
        if source.chars().filter(|&c| c == '*').count() - escaped_stars(source) > 5 {
            return Err(RoleError::TooManyStars(source.to_string()));
        }
        let mut tokens = Vec::new();
        let mut chars = source.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(e) => tokens.push(Token::Lit(e)),
                    None => return Err(RoleError::DanglingEscape(source.to_string())),
                },
                '?' => tokens.push(Token::One),
                '*' => {
                    if chars.peek() == Some(&'*') {
                        chars.next();
                        tokens.push(Token::DoubleStar);
                    } else {
                        tokens.push(Token::Star);
                    }
                }
                c => tokens.push(Token::Lit(c)),
            }
        }
        Ok(Self { source: source.to_string(), tokens })
    }

    /// Case-sensitive match of a whole group name, in time linear in the name's length (times
    /// the pattern's), whatever the pattern.
    pub fn matches(&self, group: &str) -> bool {
        match_tokens(&self.tokens, group)
    }

    pub fn source(&self) -> &str {
        &self.source
    }
}

fn escaped_stars(source: &str) -> usize {
    let mut n = 0;
    let mut chars = source.chars();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.next() == Some('*') {
            n += 1;
        }
    }
    n
}

/// Whether `tokens` match all of `s`, in O(len(tokens) * len(s)) time and O(len(tokens)) space.
///
/// A backtracking matcher tries every way of splitting the name among the stars, which for a
/// pattern like `*a*a*a*a*a` and a 1024-character near miss is about n^5 attempts. Instead this
/// runs the pattern as a nondeterministic automaton: `active[i]` says "the first `i` tokens can
/// match the characters read so far", and each character advances every active state at once.
fn match_tokens(tokens: &[Token], s: &str) -> bool {
    let mut active = vec![false; tokens.len() + 1];
    let mut next = vec![false; tokens.len() + 1];
    active[0] = true;
    skip_empty_stars(tokens, &mut active);
    for c in s.chars() {
        next.fill(false);
        let mut any = false;
        for (i, token) in tokens.iter().enumerate() {
            if !active[i] {
                continue;
            }
            let (advance, stay) = match token {
                Token::Lit(l) => (*l == c, false),
                Token::One => (c != '.', false),
                Token::Star => (false, c != '.'),
                Token::DoubleStar => (false, true),
            };
            next[i + 1] |= advance;
            next[i] |= stay;
            any |= advance || stay;
        }
        if !any {
            return false;
        }
        std::mem::swap(&mut active, &mut next);
        skip_empty_stars(tokens, &mut active);
    }
    active[tokens.len()]
}

/// A star may match nothing: a state before a star is also the state after it. States only
/// move forwards, so one pass in order closes the set.
fn skip_empty_stars(tokens: &[Token], active: &mut [bool]) {
    for (i, token) in tokens.iter().enumerate() {
        if active[i] && matches!(token, Token::Star | Token::DoubleStar) {
            active[i + 1] = true;
        }
    }
}

/// What one connection may do with groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions {
    join_any: bool,
    send_any: bool,
    join: HashSet<String>,
    send: HashSet<String>,
    join_patterns: Vec<Pattern>,
    send_patterns: Vec<Pattern>,
}

impl Permissions {
    /// Builds permissions from role strings. Unknown roles are ignored (the service would
    /// forward them to upstream handlers; they grant nothing here); bad patterns are errors.
    pub fn from_roles<S: AsRef<str>>(roles: &[S]) -> Result<Self, RoleError> {
        let mut p = Self::default();
        for r in roles {
            p.add_role(r.as_ref())?;
        }
        Ok(p)
    }

    /// Adds one role string.
    pub fn add_role(&mut self, role: &str) -> Result<(), RoleError> {
        for perm in [Permission::JoinLeaveGroup, Permission::SendToGroup] {
            if let Some(pattern) = role.strip_prefix(perm.pattern_prefix()) {
                let compiled = Pattern::compile(pattern)?;
                let list = self.patterns_mut(perm);
                if !list.contains(&compiled) {
                    list.push(compiled);
                }
                return Ok(());
            }
            if role == perm.prefix() {
                *self.any_mut(perm) = true;
                return Ok(());
            }
            if let Some(group) = role.strip_prefix(perm.prefix()).and_then(|r| r.strip_prefix('.')) {
                self.exact_mut(perm).insert(group.to_string());
                return Ok(());
            }
        }
        Ok(())
    }

    /// REST GrantPermission: a group-specific grant with `targetName`, any group without.
    pub fn grant(&mut self, perm: Permission, target: Option<&str>) {
        match target {
            Some(g) => {
                self.exact_mut(perm).insert(g.to_string());
            }
            None => *self.any_mut(perm) = true,
        }
    }

    /// REST RevokePermission. With `targetName` it removes that group's exact grant (a plain
    /// or wildcard role that also covers the group stays, so `check` may still say yes);
    /// without it, every grant of this permission (plain, exact and wildcard) is removed.
    pub fn revoke(&mut self, perm: Permission, target: Option<&str>) {
        match target {
            Some(g) => {
                self.exact_mut(perm).remove(g);
            }
            None => {
                *self.any_mut(perm) = false;
                self.exact_mut(perm).clear();
                self.patterns_mut(perm).clear();
            }
        }
    }

    /// Whether `perm` is held for `group` (any route) or, without a group, for every group.
    pub fn check(&self, perm: Permission, group: Option<&str>) -> bool {
        let any = match perm {
            Permission::JoinLeaveGroup => self.join_any,
            Permission::SendToGroup => self.send_any,
        };
        match group {
            None => any,
            Some(g) => any || self.exact(perm).contains(g) || self.patterns(perm).iter().any(|p| p.matches(g)),
        }
    }

    fn any_mut(&mut self, perm: Permission) -> &mut bool {
        match perm {
            Permission::JoinLeaveGroup => &mut self.join_any,
            Permission::SendToGroup => &mut self.send_any,
        }
    }
    fn exact(&self, perm: Permission) -> &HashSet<String> {
        match perm {
            Permission::JoinLeaveGroup => &self.join,
            Permission::SendToGroup => &self.send,
        }
    }
    fn exact_mut(&mut self, perm: Permission) -> &mut HashSet<String> {
        match perm {
            Permission::JoinLeaveGroup => &mut self.join,
            Permission::SendToGroup => &mut self.send,
        }
    }
    fn patterns(&self, perm: Permission) -> &Vec<Pattern> {
        match perm {
            Permission::JoinLeaveGroup => &self.join_patterns,
            Permission::SendToGroup => &self.send_patterns,
        }
    }
    fn patterns_mut(&mut self, perm: Permission) -> &mut Vec<Pattern> {
        match perm {
            Permission::JoinLeaveGroup => &mut self.join_patterns,
            Permission::SendToGroup => &mut self.send_patterns,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    #[test]
    fn plain_exact_and_dotted_roles() {
        let p = Permissions::from_roles(&["webpubsub.joinLeaveGroup.a.b", "webpubsub.sendToGroup"]).unwrap();
        assert!(p.check(JoinLeaveGroup, Some("a.b")));
        assert!(!p.check(JoinLeaveGroup, Some("a")));
        assert!(!p.check(JoinLeaveGroup, None));
        assert!(p.check(SendToGroup, Some("anything")));
        assert!(p.check(SendToGroup, None));
        let none = Permissions::from_roles::<&str>(&[]).unwrap();
        assert!(!none.check(SendToGroup, Some("g")));
        let unknown = Permissions::from_roles(&["webpubsub.joinLeaveGroupX", "admin"]).unwrap();
        assert_eq!(unknown, Permissions::default());
    }

    #[test]
    fn wildcard_patterns() {
        let star = Pattern::compile("room.*").unwrap();
        assert!(star.matches("room.1") && star.matches("room.") && !star.matches("room.1.2") && !star.matches("room"));
        let dbl = Pattern::compile("room.**").unwrap();
        assert!(dbl.matches("room.1.2") && dbl.matches("room.") && !dbl.matches("roomx"));
        let q = Pattern::compile("g?").unwrap();
        assert!(q.matches("g1") && !q.matches("g.") && !q.matches("g") && !q.matches("g12"));
        let esc = Pattern::compile(r"a\*b").unwrap();
        assert!(esc.matches("a*b") && !esc.matches("axb"));
        let mid = Pattern::compile("*-team-*").unwrap();
        assert!(mid.matches("red-team-1") && !mid.matches("red.x-team-1"));
        assert!(
            Pattern::compile("Room").unwrap().matches("Room") && !Pattern::compile("Room").unwrap().matches("room")
        );
        assert!(matches!(Pattern::compile("*.*.*.*.*.*"), Err(RoleError::TooManyStars(_))));
        assert!(Pattern::compile(r"*.*.*.*.*.\*").is_ok());
        assert!(matches!(Pattern::compile("a\\"), Err(RoleError::DanglingEscape(_))));
    }

    #[test]
    fn pattern_roles_grant_matching_groups_only() {
        let p = Permissions::from_roles(&["webpubsub.sendToGroups.chat.*", "webpubsub.joinLeaveGroups.**"]).unwrap();
        assert!(p.check(SendToGroup, Some("chat.x")));
        assert!(!p.check(SendToGroup, Some("chat.x.y")));
        assert!(!p.check(SendToGroup, None));
        assert!(p.check(JoinLeaveGroup, Some("any.thing")));
    }

    #[test]
    fn grant_and_revoke() {
        let mut p = Permissions::default();
        p.grant(SendToGroup, Some("g"));
        assert!(p.check(SendToGroup, Some("g")) && !p.check(SendToGroup, Some("h")));
        p.grant(SendToGroup, None);
        assert!(p.check(SendToGroup, Some("h")));
        p.revoke(SendToGroup, Some("g"));
        assert!(p.check(SendToGroup, Some("g")), "the plain grant still covers g");
        p.revoke(SendToGroup, None);
        assert!(!p.check(SendToGroup, Some("g")) && !p.check(SendToGroup, Some("h")));
        assert_eq!(Permission::parse("JOINLEAVEGROUP"), Some(JoinLeaveGroup));
        assert_eq!(Permission::parse("x"), None);
    }

    /// The definition of a match, by trying every split (exponential in the number of stars):
    /// the oracle the linear matcher is compared with on small inputs.
    fn reference(tokens: &[Token], s: &[char]) -> bool {
        let Some((first, rest)) = tokens.split_first() else {
            return s.is_empty();
        };
        match first {
            Token::Lit(c) => s.first() == Some(c) && reference(rest, &s[1..]),
            Token::One => s.first().is_some_and(|&c| c != '.') && reference(rest, &s[1..]),
            Token::Star => (0..=s.iter().take_while(|&&c| c != '.').count()).any(|i| reference(rest, &s[i..])),
            Token::DoubleStar => (0..=s.len()).any(|i| reference(rest, &s[i..])),
        }
    }

    /// Every string over `alphabet` up to `max_len` characters.
    fn all_strings(alphabet: &[char], max_len: usize) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..max_len {
            last = last.iter().flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}"))).collect();
            out.extend(last.iter().cloned());
        }
        out
    }

    #[test]
    #[cfg_attr(miri, ignore = "a million comparisons: hours when interpreted; the small cases above run")]
    fn matcher_agrees_with_the_definition_on_every_small_case() {
        let groups = all_strings(&['a', 'b', '.', '*'], 4);
        let mut compared = 0;
        for source in all_strings(&['a', '.', '?', '*', '\\'], 5) {
            let Ok(p) = Pattern::compile(&source) else { continue };
            for g in &groups {
                let chars: Vec<char> = g.chars().collect();
                assert_eq!(p.matches(g), reference(&p.tokens, &chars), "pattern {source:?} on {g:?}");
                compared += 1;
            }
        }
        assert!(compared > 1_000_000, "{compared}");
    }

    #[test]
    #[cfg_attr(miri, ignore = "measures time; interpreted, even linear matching takes minutes")]
    fn adversarial_patterns_match_in_linear_time() {
        let near_miss = format!("{}b", "a".repeat(1023));
        let all_a = "a".repeat(1024);
        let dots = format!("{}b", "a.".repeat(511));
        let cases = [
            ("*a*a*a*a*a", false, true),
            ("**a**a*a", false, true),
            ("*a*a*a*a*ab", true, false),
            ("**a**a*", true, true),
            ("*?*?*?*?*?", true, true),
            ("a**.**.*b", false, false),
        ];
        let started = std::time::Instant::now();
        for (source, on_near_miss, on_all_a) in cases {
            let p = Pattern::compile(source).unwrap();
            for _ in 0..20 {
                assert_eq!(p.matches(&near_miss), on_near_miss, "{source}");
                assert_eq!(p.matches(&all_a), on_all_a, "{source}");
                assert!(!p.matches(&format!("{dots}.")), "{source}");
            }
        }
        assert!(Pattern::compile("a**.**.*b").unwrap().matches(&dots));
        // Quadratic or worse would take minutes here; linear takes milliseconds.
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    }
}
