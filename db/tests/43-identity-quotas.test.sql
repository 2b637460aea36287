-- REST quotas in the db-pre-request: counted per user and per org, 429 with Retry-After
-- once spent, per-org overrides, and only a check (no write) in read-only transactions.
begin;
select plan(9);

insert into app_public.organizations (id, name) values ('43000000-0000-0000-0000-00000000000a', 'Quota A');
select app_private.add_user('43000000-0000-0000-0000-00000000000a', 'q1@quota43.test', 'quota password 43', 'owner');
select app_private.add_user('43000000-0000-0000-0000-00000000000a', 'q2@quota43.test', 'quota password 43', 'member');
select app_private.set_org_quota('43000000-0000-0000-0000-00000000000a', 3, 5);

select is((select per_user from app_private.quota_limits('43000000-0000-0000-0000-00000000000a')), 3, 'the org override applies');
select is((select per_user from app_private.quota_limits(gen_random_uuid())), 3000, 'the default per user is 3000 a minute');

create function pg_temp.consume(email text) returns void language sql as $$
  select app_private.consume_request_quota(u.id, '43000000-0000-0000-0000-00000000000a') from app_public.users u where u.email = consume.email
$$;
select lives_ok($$select pg_temp.consume('q1@quota43.test'), pg_temp.consume('q1@quota43.test'), pg_temp.consume('q1@quota43.test')$$,
  'three requests fit the per-user budget');
select throws_like($$select pg_temp.consume('q1@quota43.test')$$, '%quota_exceeded%', 'the fourth is refused');
select is((select sum(count)::int from app_private.request_counters c join app_public.users u on u.id = c.subject
            where u.email = 'q1@quota43.test'), 3, 'the refused request consumed nothing (its transaction is rolled back)');
select lives_ok($$select pg_temp.consume('q2@quota43.test'), pg_temp.consume('q2@quota43.test')$$,
  'another user of the org still has budget');
select throws_like($$select pg_temp.consume('q2@quota43.test')$$, '%per_org%', 'until the org budget (5) is spent');

-- The 429 carries Retry-After for PostgREST.
create function pg_temp.error_parts() returns jsonb language plpgsql as $$
declare
  d text;
begin
  perform pg_temp.consume('q2@quota43.test');
  return null;
exception when others then
  get stacked diagnostics d = pg_exception_detail;
  return d::jsonb;
end
$$;
select is((select (pg_temp.error_parts() ->> 'status')::int), 429, 'PostgREST answers 429');
select ok((select (pg_temp.error_parts() -> 'headers' ->> 'Retry-After')::int between 1 and 60), 'with Retry-After up to the end of the window');

select * from finish();
rollback;
