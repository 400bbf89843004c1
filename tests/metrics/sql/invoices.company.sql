SELECT
  "t7"."_period",
  COUNT("t7"."account_id") FILTER(WHERE
    (
      "t7"."issued_at" < "t7"."w_to_date_hi_t"
    )
    AND COALESCE("t7"."is_purchase", FALSE)) AS "purchases"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t5"."account_id",
      "t5"."issued_at",
      "t5"."amount",
      "t5"."kind",
      "t5"."status",
      "t5"."is_purchase",
      "t2"."_period",
      "t2"."_end_t",
      "t2"."w_to_date_lo",
      "t2"."w_to_date_hi",
      "t2"."w_to_date_lo_t",
      "t2"."w_to_date_hi_t"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          "t1"."account_id",
          "t1"."issued_at",
          "t1"."amount",
          "t1"."kind",
          "t1"."status",
          (
            (
              "t1"."status" IS NULL
            ) OR (
              "t1"."status" = 'paid'
            )
          )
          AND (
            (
              "t1"."kind" IS NULL
            ) OR TRUE
          ) AS "is_purchase"
        FROM "invoices" AS "t1"
      ) AS "t3"
      WHERE
        "t3"."issued_at" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
        AND COALESCE("t3"."is_purchase", FALSE)
    ) AS "t5"
    CROSS JOIN "periods" AS "t2"
  ) AS "t6"
  WHERE
    "t6"."issued_at" < "t6"."w_to_date_hi_t"
) AS "t7"
GROUP BY
  1
