-- PHI redaction for transcripts and call summaries. Runs in a BEFORE INSERT OR UPDATE
-- trigger, so no write path can store the raw text. Typed placeholders:
-- [EMAIL], [CARD] (Luhn-valid 13-19 digit numbers only), [SSN], [DOB], [MRN], [PHONE].
-- Measured against db/tests/fixtures/redaction-corpus.sql (db/tests/51-…).

create or replace function app_private.luhn_valid(digits text) returns boolean
  language plpgsql immutable strict parallel safe
as $$
declare
  total int := 0;
  d int;
  n int := length(digits);
begin
  if digits !~ '^\d{13,19}$' then
    return false;
  end if;
  for i in 0 .. n - 1 loop
    d := substr(digits, n - i, 1)::int;
    if i % 2 = 1 then
      d := d * 2;
      if d > 9 then d := d - 9; end if;
    end if;
    total := total + d;
  end loop;
  return total % 10 = 0;
end
$$;

create or replace function app_private.redact_phi(input text) returns text
  language plpgsql immutable parallel safe
as $$
declare
  t text := input;
  m text;
  -- A date as people say or type it.
  month_name constant text := '(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?';
  any_date text;
  old_date text;
  old_year constant text := '(19\d\d|200\d|201[0-2])';
  -- Numbers after these words are order/tracking/reference numbers, not phones or SSNs.
  not_after constant text := '(?<!(?:order |order number |order no\. |order # |order #|tracking number |tracking |invoice |invoice number |confirmation |confirmation number |reference |reference number |ref |serial |serial number |policy |ticket |account number |order id is |order is ))';
begin
  if t is null or t !~ '[0-9@]|\mat\M' then
    return t;
  end if;
  any_date := '(\m\d{1,2}[/-]\d{1,2}[/-](\d{4}|\d{2})\M|\m\d{4}-\d{1,2}-\d{1,2}\M|\m' || month_name
           || ' \d{1,2}(st|nd|rd|th)?,? \d{4}\M|\m\d{1,2}(st|nd|rd|th)? (of )?' || month_name || ',? \d{4}\M)';
  old_date := '(\m\d{1,2}[/-]\d{1,2}[/-]' || old_year || '\M|\m' || old_year || '-\d{1,2}-\d{1,2}\M|\m' || month_name
           || ' \d{1,2}(st|nd|rd|th)?,? ' || old_year || '\M|\m\d{1,2}(st|nd|rd|th)? (of )?' || month_name || ',? ' || old_year || '\M)';

  -- Email addresses, typed and spoken ("jane dot doe at example dot com").
  t := regexp_replace(t, '[A-Za-z0-9._%+''-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}', '[EMAIL]', 'g');
  t := regexp_replace(t,
    '\m[a-z0-9]+(( dot | underscore | dash |[._-])[a-z0-9]+)* at [a-z0-9-]+( dot [a-z0-9-]+)* dot (com|net|org|edu|gov|io|us|co|info|biz|me)\M',
    '[EMAIL]', 'gi');

  -- Payment cards: 13-19 digits, optionally grouped by spaces or dashes, Luhn-valid only.
  for m in select distinct x[1] from regexp_matches(t, '(\m\d(?:[ -]?\d){12,18}\M)', 'g') x loop
    if app_private.luhn_valid(regexp_replace(m, '\D', '', 'g')) then
      t := replace(t, m, '[CARD]');
    end if;
  end loop;

  -- US social security numbers: AAA-GG-SSSS (valid ranges), or nine digits after "social"/"SSN".
  t := regexp_replace(t, not_after || '\m(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}\M', '[SSN]', 'g');
  t := regexp_replace(t, '(\m(social security|social|ssn)( number| no\.?| #)?( is|:)?\s*)\d{3}[- ]?\d{2}[- ]?\d{4}\M', '\1[SSN]', 'gi');

  -- Dates of birth: any date after a birth keyword; otherwise full dates in 1900-2012.
  t := regexp_replace(t, '(\m(date of birth|birth ?date|birthday|born( on)?|d\.?o\.?b\.?)(:| is| was)?\s*)' || any_date, '\1[DOB]', 'gi');
  t := regexp_replace(t, old_date, '[DOB]', 'gi');

  -- Medical record numbers: an identifier after "MRN", "medical record number", "patient ID", "chart number".
  t := regexp_replace(t,
    '(\m(MRN|medical record (number|no\.?|num|#)|medical record|patient (ID|id number|number)|chart (number|no\.?|#))(:| is| was| #)?\s*(is\s+)?#?)[A-Z]{0,3}-?\d[\d-]{3,12}\d\M',
    '\1[MRN]', 'gi');

  -- Phone numbers: international (+CC …) and North American formats.
  t := regexp_replace(t, not_after || '\+\d{1,3}([ .-]?\d{1,4}){2,5}\M', '[PHONE]', 'g');
  t := regexp_replace(t, not_after || '(\m1[-. ]?)?(\(\d{3}\) ?|\m\d{3}[-. ]?)\d{3}[-. ]?\d{4}\M', '[PHONE]', 'g');
  return t;
end
$$;
