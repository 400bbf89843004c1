SELECT
  "t38"."_period",
  "t38"."segment",
  COUNT("t38"."account_id") FILTER(WHERE
    (
      "t38"."issued_at" < "t38"."w_to_date_hi_t"
    )
    AND COALESCE("t38"."is_purchase", FALSE)) AS "purchases"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t21"."account_id",
      "t21"."issued_at",
      "t21"."amount",
      "t21"."kind",
      "t21"."status",
      "t21"."is_purchase",
      "t36"."account_id" AS "account_id_right",
      "t36"."segment",
      "t4"."_period",
      "t4"."_end_t",
      "t4"."w_to_date_lo",
      "t4"."w_to_date_hi",
      "t4"."w_to_date_lo_t",
      "t4"."w_to_date_hi_t"
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
      ) AS "t15"
      WHERE
        "t15"."issued_at" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
        AND COALESCE("t15"."is_purchase", FALSE)
    ) AS "t21"
    LEFT OUTER JOIN (
      SELECT
        "t34"."account_id",
        "t34"."segment"
      FROM (
        SELECT
          "t13"."account_id",
          "t8"."segment",
          "t8"."industry",
          "t8"."country",
          "t8"."owner",
          "t24"."plan",
          "t25"."product",
          "t33"."cohort"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t2"."account_id"
            FROM "accounts" AS "t2"
          ) AS "t5"
          UNION
          SELECT
            *
          FROM (
            SELECT
              "t3"."account_id"
            FROM "subscriptions" AS "t3"
          ) AS "t7"
        ) AS "t13"
        LEFT OUTER JOIN (
          SELECT
            "t2"."account_id",
            "t2"."segment",
            "t2"."industry",
            "t2"."country",
            "t2"."owner"
          FROM "accounts" AS "t2"
        ) AS "t8"
          ON "t13"."account_id" = "t8"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t18"."account_id",
            "t18"."plan"
          FROM (
            SELECT
              "t10"."account_id",
              "t10"."subscription_id",
              "t10"."valid_from",
              "t10"."valid_until",
              "t10"."mrr",
              "t10"."seats",
              "t10"."plan",
              "t10"."product",
              "t10"."renewal_date",
              ROW_NUMBER() OVER (
                PARTITION BY "t10"."account_id"
                ORDER BY "t10"."valid_from" DESC, "t10"."mrr" DESC, "t10"."subscription_id" ASC
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
              ) - 1 AS "_rank"
            FROM (
              SELECT
                "t3"."account_id",
                "t3"."subscription_id",
                "t3"."valid_from",
                "t3"."valid_to" AS "valid_until",
                COALESCE("t3"."mrr", 0.0) AS "mrr",
                "t3"."seats",
                "t3"."plan",
                "t3"."product",
                "t3"."renewal_date"
              FROM "subscriptions" AS "t3"
              WHERE
                "t3"."valid_from" <= MAKE_DATE(2026, 6, 30) AND "t3"."plan" IS NOT NULL
            ) AS "t10"
          ) AS "t18"
          WHERE
            "t18"."_rank" = 0
        ) AS "t24"
          ON "t13"."account_id" = "t24"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t19"."account_id",
            "t19"."product"
          FROM (
            SELECT
              "t11"."account_id",
              "t11"."subscription_id",
              "t11"."valid_from",
              "t11"."valid_until",
              "t11"."mrr",
              "t11"."seats",
              "t11"."plan",
              "t11"."product",
              "t11"."renewal_date",
              ROW_NUMBER() OVER (
                PARTITION BY "t11"."account_id"
                ORDER BY "t11"."valid_from" DESC, "t11"."mrr" DESC, "t11"."subscription_id" ASC
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
              ) - 1 AS "_rank"
            FROM (
              SELECT
                "t3"."account_id",
                "t3"."subscription_id",
                "t3"."valid_from",
                "t3"."valid_to" AS "valid_until",
                COALESCE("t3"."mrr", 0.0) AS "mrr",
                "t3"."seats",
                "t3"."plan",
                "t3"."product",
                "t3"."renewal_date"
              FROM "subscriptions" AS "t3"
              WHERE
                "t3"."valid_from" <= MAKE_DATE(2026, 6, 30)
            ) AS "t11"
          ) AS "t19"
          WHERE
            "t19"."_rank" = 0
        ) AS "t25"
          ON "t13"."account_id" = "t25"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t31"."account_id",
            DATE_TRUNC('MONTH', MIN("t31"."day")) AS "cohort"
          FROM (
            SELECT
              "t30"."account_id",
              "t30"."day",
              "t30"."kind",
              "t30"."amount"
            FROM (
              SELECT
                "t29"."account_id",
                "t29"."day",
                "t29"."delta",
                "t29"."cur",
                "t29"."prev",
                "t29"."paid",
                "t29"."paid_before",
                CASE
                  WHEN (
                    "t29"."prev" <= 0
                  )
                  AND (
                    "t29"."cur" > 0
                  )
                  AND (
                    "t29"."paid_before" > 0
                  )
                  THEN 'reactivation'
                  WHEN (
                    "t29"."prev" <= 0
                  ) AND (
                    "t29"."cur" > 0
                  )
                  THEN 'new'
                  WHEN (
                    "t29"."prev" > 0
                  ) AND (
                    "t29"."cur" <= 0
                  )
                  THEN 'churn'
                  WHEN (
                    "t29"."prev" > 0
                  ) AND (
                    "t29"."cur" > "t29"."prev"
                  )
                  THEN 'expansion'
                  WHEN (
                    "t29"."prev" > 0
                  ) AND (
                    "t29"."cur" < "t29"."prev"
                  )
                  THEN 'contraction'
                  ELSE CAST(NULL AS TEXT)
                END AS "kind",
                CASE
                  WHEN (
                    "t29"."prev" <= 0
                  ) AND (
                    "t29"."cur" > 0
                  )
                  THEN "t29"."cur"
                  WHEN (
                    "t29"."prev" > 0
                  ) AND (
                    "t29"."cur" <= 0
                  )
                  THEN "t29"."prev"
                  ELSE ABS("t29"."cur" - "t29"."prev")
                END AS "amount"
              FROM (
                SELECT
                  "t28"."account_id",
                  "t28"."day",
                  "t28"."delta",
                  "t28"."cur",
                  "t28"."prev",
                  "t28"."paid",
                  SUM("t28"."paid") OVER (
                    PARTITION BY "t28"."account_id"
                    ORDER BY "t28"."day" ASC
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                  ) - "t28"."paid" AS "paid_before"
                FROM (
                  SELECT
                    "t27"."account_id",
                    "t27"."day",
                    "t27"."delta",
                    "t27"."cur",
                    COALESCE(
                      LAG("t27"."cur") OVER (
                        PARTITION BY "t27"."account_id"
                        ORDER BY "t27"."day" ASC
                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                      ),
                      0.0
                    ) AS "prev",
                    CASE WHEN "t27"."cur" > 0 THEN 1 ELSE 0 END AS "paid"
                  FROM (
                    SELECT
                      "t26"."account_id",
                      "t26"."day",
                      "t26"."delta",
                      CASE WHEN ABS("t26"."cur") < 1e-06 THEN 0.0 ELSE "t26"."cur" END AS "cur"
                    FROM (
                      SELECT
                        "t20"."account_id",
                        "t20"."day",
                        "t20"."delta",
                        CAST(ROUND(
                          SUM("t20"."delta") OVER (
                            PARTITION BY "t20"."account_id"
                            ORDER BY "t20"."day" ASC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                          ),
                          6
                        ) AS DOUBLE) AS "cur"
                      FROM (
                        SELECT
                          "t16"."account_id",
                          "t16"."day",
                          SUM("t16"."delta") AS "delta"
                        FROM (
                          SELECT
                            *
                          FROM (
                            SELECT
                              "t3"."account_id",
                              "t3"."valid_from" AS "day",
                              COALESCE("t3"."mrr", 0.0) AS "delta"
                            FROM "subscriptions" AS "t3"
                          ) AS "t12"
                          UNION ALL
                          SELECT
                            *
                          FROM (
                            SELECT
                              "t3"."account_id",
                              "t3"."valid_to" AS "day",
                              -(
                                COALESCE("t3"."mrr", 0.0)
                              ) AS "delta"
                            FROM "subscriptions" AS "t3"
                            WHERE
                              "t3"."valid_to" IS NOT NULL
                          ) AS "t14"
                        ) AS "t16"
                        GROUP BY
                          1,
                          2
                      ) AS "t20"
                    ) AS "t26"
                  ) AS "t27"
                ) AS "t28"
              ) AS "t29"
            ) AS "t30"
            WHERE
              "t30"."kind" IS NOT NULL
              AND "t30"."kind" = 'new'
              AND "t30"."day" <= MAKE_DATE(2026, 6, 30)
          ) AS "t31"
          GROUP BY
            1
        ) AS "t33"
          ON "t13"."account_id" = "t33"."account_id"
      ) AS "t34"
    ) AS "t36"
      ON "t21"."account_id" = "t36"."account_id"
    CROSS JOIN "periods" AS "t4"
  ) AS "t37"
  WHERE
    "t37"."issued_at" < "t37"."w_to_date_hi_t"
) AS "t38"
GROUP BY
  1,
  2
