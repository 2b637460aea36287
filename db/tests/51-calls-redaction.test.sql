-- PHI redaction: measured on a labelled corpus of synthetic utterances (positives and
-- look-alike negatives); recall ≥ 0.98 and precision ≥ 0.95 over typed placeholders.
begin;
select plan(6);

create temp table redaction_corpus (id int primary key, label text not null, utterance text not null, expected text not null);
\ir fixtures/redaction-corpus.sql

create temp table redaction_scores as
with scored as (
  select c.*, app_private.redact_phi(c.utterance) as got from redaction_corpus c
), kinds as (
  select s.id, k.kind,
         (select count(*) from regexp_matches(s.expected, '\[' || k.kind || '\]', 'g')) as want,
         (select count(*) from regexp_matches(s.got, '\[' || k.kind || '\]', 'g')) as have
    from scored s cross join (values ('SSN'), ('CARD'), ('PHONE'), ('EMAIL'), ('DOB'), ('MRN')) k (kind)
)
select sum(least(want, have))::numeric as tp,
       sum(greatest(have - want, 0))::numeric as fp,
       sum(greatest(want - have, 0))::numeric as fn,
       (select count(*) from scored where got = expected)::numeric as exact,
       (select count(*) from scored)::numeric as total
  from kinds;

select ok((select count(*) from redaction_corpus) >= 200, 'the corpus has at least 200 utterances');
select ok((select count(*) from redaction_corpus where label = 'negative') >= 80, 'the corpus has look-alike negatives');
select cmp_ok((select round(tp / nullif(tp + fn, 0), 4) from redaction_scores), '>=', 0.98::numeric,
  format('recall ≥ 0.98 (tp %s, fn %s)', (select tp from redaction_scores), (select fn from redaction_scores)));
select cmp_ok((select round(tp / nullif(tp + fp, 0), 4) from redaction_scores), '>=', 0.95::numeric,
  format('precision ≥ 0.95 (tp %s, fp %s)', (select tp from redaction_scores), (select fp from redaction_scores)));
select is(app_private.redact_phi(null), null, 'null stays null');
select is(app_private.redact_phi('card 4111 1111 1111 1111 and 4111 1111 1111 1112'), 'card [CARD] and 4111 1111 1111 1112',
  'only the Luhn-valid card number is redacted');

-- For diagnosis when a threshold fails: the utterances that differ.
select diag(format('%s [%s] got: %s | want: %s', id, label, app_private.redact_phi(utterance), expected))
  from redaction_corpus where app_private.redact_phi(utterance) <> expected order by id;
select diag(format('exact %s of %s', exact, total)) from redaction_scores;

select * from finish();
rollback;
