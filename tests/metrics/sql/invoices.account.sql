SELECT
  "t6"."_period",
  "t6"."account_id",
  COUNT("t6"."account_id") FILTER(WHERE
    (
      "t6"."issued_at" < "t6"."w_to_date_hi_t"
    )
    AND COALESCE("t6"."is_purchase", FALSE)) AS "purchases"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t4"."account_id",
      "t4"."issued_at",
      "t4"."amount",
      "t4"."kind",
      "t4"."status",
      "t4"."is_purchase",
      "t2"."_period",
      "t2"."_end_t",
      "t2"."w_to_date_lo",
      "t2"."w_to_date_hi",
      "t2"."w_to_date_lo_t",
      "t2"."w_to_date_hi_t"
    FROM (
      SELECT
        "t0"."account_id",
        "t0"."issued_at",
        "t0"."amount",
        "t0"."kind",
        "t0"."status",
        (
          (
            "t0"."status" IS NULL
          ) OR (
            "t0"."status" = 'paid'
          )
        )
        AND (
          (
            "t0"."kind" IS NULL
          ) OR TRUE
        ) AS "is_purchase"
      FROM "invoices" AS "t0"
      WHERE
        "t0"."issued_at" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
    ) AS "t4"
    CROSS JOIN "periods" AS "t2"
  ) AS "t5"
  WHERE
    "t5"."issued_at" < "t5"."w_to_date_hi_t"
) AS "t6"
GROUP BY
  1,
  2
