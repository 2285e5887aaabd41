//! The access map of a large directory: 1,000 users (in 20 groups) × 50 roles, every cell
//! decided by the evaluator up to twice (without and with MFA). Run:
//! `cargo bench -p iam --bench access_map`.

use std::fmt::Write;

use criterion::{Criterion, criterion_group, criterion_main};
use iam::Directory;
use iam::access_map::{AccessMap, MapContext, Reach};
use time::macros::datetime;

const USERS: usize = 1_000;
const GROUPS: usize = 20;
const ROLES: usize = 50;

/// Development holds the users and groups; group `g` may assume the roles `r` with
/// `r % GROUPS == g` or `r % 7 == 0`. Production holds the roles: even ones want MFA.
fn large_directory() -> Directory {
    let mut toml = String::from("[[accounts]]\nid = \"111122223333\"\nalias = \"development\"\n");
    for u in 0..USERS {
        let _ = write!(
            toml,
            "  [[accounts.users]]\n  name = \"user{u}\"\n  groups = [\"Group{}\"]\n",
            u % GROUPS
        );
    }
    for g in 0..GROUPS {
        let resources: Vec<String> = (0..ROLES)
            .filter(|r| r % GROUPS == g || r % 7 == 0)
            .map(|r| format!("\"arn:aws:iam::123456789012:role/Role{r}\""))
            .collect();
        let _ = write!(
            toml,
            "  [[accounts.groups]]\n  name = \"Group{g}\"\n    [[accounts.groups.inline_policies]]\n    name = \"Assume\"\n    document = '''{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Resource\":[{}]}}]}}'''\n",
            resources.join(",")
        );
    }
    toml.push_str("[[accounts]]\nid = \"123456789012\"\nalias = \"production\"\n");
    for r in 0..ROLES {
        let condition = if r % 2 == 0 {
            r#","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#
        } else {
            ""
        };
        let _ = write!(
            toml,
            "  [[accounts.roles]]\n  name = \"Role{r}\"\n  trust_policy = '''{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":{{\"AWS\":\"arn:aws:iam::111122223333:root\"}},\"Action\":\"sts:AssumeRole\"{condition}}}]}}'''\n"
        );
    }
    Directory::from_toml(&toml, "large.toml").expect("the generated directory loads")
}

fn access_map(c: &mut Criterion) {
    let directory = large_directory();
    let context = MapContext {
        now: datetime!(2026-12-02 12:00 UTC),
        source_ip: None,
    };
    let map = AccessMap::of(&directory, &context);
    assert_eq!(map.users.len(), USERS);
    assert_eq!(map.roles.len(), ROLES);
    let count = |reach| map.cells.iter().flatten().filter(|c| **c == reach).count();
    println!(
        "{USERS} users x {ROLES} roles: {} can switch, {} need MFA, {} cannot",
        count(Reach::CanSwitch),
        count(Reach::NeedsMfa),
        count(Reach::CannotSwitch)
    );
    let mut group = c.benchmark_group("access map");
    group.sample_size(10);
    group.bench_function("1000 users x 50 roles", |b| {
        b.iter(|| AccessMap::of(&directory, &context))
    });
    group.finish();
}

criterion_group!(benches, access_map);
criterion_main!(benches);
