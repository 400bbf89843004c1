SELECT
  "t6"."_period",
  COUNT(DISTINCT "t6"."user_id") FILTER(WHERE
    (
      "t6"."day" <= "t6"."w_trailing_30_hi"
    )
    AND (
      "t6"."day" >= "t6"."w_trailing_30_lo"
    )) AS "mau",
  COUNT(DISTINCT "t6"."user_id") FILTER(WHERE
    (
      "t6"."day" <= "t6"."w_trailing_7_hi"
    )
    AND (
      "t6"."day" >= "t6"."w_trailing_7_lo"
    )) AS "wau",
  COUNT("t6"."account_id") FILTER(WHERE
    (
      "t6"."day" <= "t6"."w_trailing_30_hi"
    )
    AND (
      "t6"."day" >= "t6"."w_trailing_30_lo"
    )) AS "active_user_days"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t4"."account_id",
      "t4"."user_id",
      "t4"."day",
      "t2"."_period",
      "t2"."_end_t",
      "t2"."w_trailing_30_lo",
      "t2"."w_trailing_30_hi",
      "t2"."w_trailing_30_lo_t",
      "t2"."w_trailing_30_hi_t",
      "t2"."w_trailing_7_lo",
      "t2"."w_trailing_7_hi",
      "t2"."w_trailing_7_lo_t",
      "t2"."w_trailing_7_hi_t"
    FROM (
      SELECT DISTINCT
        "t0"."account_id",
        "t0"."user_id",
        CAST("t0"."timestamp" AS DATE) AS "day"
      FROM "events" AS "t0"
      WHERE
        "t0"."user_id" IS NOT NULL
        AND CAST("t0"."timestamp" AS DATE) <= MAKE_DATE(2026, 6, 30)
        AND CAST("t0"."timestamp" AS DATE) >= MAKE_DATE(2026, 5, 2)
    ) AS "t4"
    CROSS JOIN "periods" AS "t2"
  ) AS "t5"
  WHERE
    (
      (
        "t5"."day" <= "t5"."w_trailing_30_hi"
      )
      AND (
        "t5"."day" >= "t5"."w_trailing_30_lo"
      )
    )
    OR (
      (
        "t5"."day" <= "t5"."w_trailing_7_hi"
      )
      AND (
        "t5"."day" >= "t5"."w_trailing_7_lo"
      )
    )
    OR (
      (
        "t5"."day" <= "t5"."w_trailing_30_hi"
      )
      AND (
        "t5"."day" >= "t5"."w_trailing_30_lo"
      )
    )
) AS "t6"
GROUP BY
  1
