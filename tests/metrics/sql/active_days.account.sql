SELECT
  "t7"."_period",
  "t7"."account_id",
  COUNT(DISTINCT "t7"."user_id") FILTER(WHERE
    (
      "t7"."day" <= "t7"."w_trailing_30_hi"
    )
    AND (
      "t7"."day" >= "t7"."w_trailing_30_lo"
    )) AS "mau",
  COUNT(DISTINCT "t7"."user_id") FILTER(WHERE
    (
      "t7"."day" <= "t7"."w_trailing_7_hi"
    )
    AND (
      "t7"."day" >= "t7"."w_trailing_7_lo"
    )) AS "wau",
  COUNT("t7"."account_id") FILTER(WHERE
    (
      "t7"."day" <= "t7"."w_trailing_30_hi"
    )
    AND (
      "t7"."day" >= "t7"."w_trailing_30_lo"
    )) AS "active_user_days"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t5"."account_id",
      "t5"."user_id",
      "t5"."day",
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
      SELECT
        *
      FROM (
        SELECT DISTINCT
          "t1"."account_id",
          "t1"."user_id",
          CAST("t1"."timestamp" AS DATE) AS "day"
        FROM "events" AS "t1"
        WHERE
          "t1"."user_id" IS NOT NULL
          AND "t1"."timestamp" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
          AND "t1"."timestamp" >= MAKE_TIMESTAMP(2026, 5, 2, 0, 0, 0.0)
      ) AS "t3"
      WHERE
        (
          (
            "t3"."day" <= MAKE_DATE(2026, 6, 30)
          )
          AND (
            "t3"."day" >= MAKE_DATE(2026, 5, 2)
          )
        )
        OR (
          (
            "t3"."day" <= MAKE_DATE(2026, 6, 30)
          )
          AND (
            "t3"."day" >= MAKE_DATE(2026, 5, 25)
          )
        )
        OR (
          (
            "t3"."day" <= MAKE_DATE(2026, 6, 30)
          )
          AND (
            "t3"."day" >= MAKE_DATE(2026, 5, 2)
          )
        )
    ) AS "t5"
    CROSS JOIN "periods" AS "t2"
  ) AS "t6"
  WHERE
    (
      (
        "t6"."day" <= "t6"."w_trailing_30_hi"
      )
      AND (
        "t6"."day" >= "t6"."w_trailing_30_lo"
      )
    )
    OR (
      (
        "t6"."day" <= "t6"."w_trailing_7_hi"
      )
      AND (
        "t6"."day" >= "t6"."w_trailing_7_lo"
      )
    )
    OR (
      (
        "t6"."day" <= "t6"."w_trailing_30_hi"
      )
      AND (
        "t6"."day" >= "t6"."w_trailing_30_lo"
      )
    )
) AS "t7"
GROUP BY
  1,
  2
