SELECT
  "t36"."_period",
  "t36"."segment",
  MIN("t36"."created_day") FILTER(WHERE
    "t36"."created_at" < "t36"."w_to_date_hi_t") AS "created_day"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t13"."account_id",
      "t13"."created_at",
      "t13"."created_day",
      "t34"."account_id" AS "account_id_right",
      "t34"."segment",
      "t3"."_period",
      "t3"."_end_t",
      "t3"."w_to_date_lo",
      "t3"."w_to_date_hi",
      "t3"."w_to_date_lo_t",
      "t3"."w_to_date_hi_t"
    FROM (
      SELECT
        "t0"."account_id",
        "t0"."created_at",
        CAST("t0"."created_at" AS DATE) AS "created_day"
      FROM "accounts" AS "t0"
      WHERE
        "t0"."created_at" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
    ) AS "t13"
    LEFT OUTER JOIN (
      SELECT
        "t32"."account_id",
        "t32"."segment"
      FROM (
        SELECT
          "t14"."account_id",
          "t8"."segment",
          "t8"."industry",
          "t8"."country",
          "t8"."owner",
          "t22"."plan",
          "t23"."product",
          "t31"."cohort"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t0"."account_id"
            FROM "accounts" AS "t0"
          ) AS "t4"
          UNION
          SELECT
            *
          FROM (
            SELECT
              "t2"."account_id"
            FROM "subscriptions" AS "t2"
          ) AS "t6"
        ) AS "t14"
        LEFT OUTER JOIN (
          SELECT
            "t0"."account_id",
            "t0"."segment",
            "t0"."industry",
            "t0"."country",
            "t0"."owner"
          FROM "accounts" AS "t0"
        ) AS "t8"
          ON "t14"."account_id" = "t8"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t17"."account_id",
            "t17"."plan"
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
                "t2"."account_id",
                "t2"."subscription_id",
                "t2"."valid_from",
                "t2"."valid_to" AS "valid_until",
                COALESCE("t2"."mrr", 0.0) AS "mrr",
                "t2"."seats",
                "t2"."plan",
                "t2"."product",
                "t2"."renewal_date"
              FROM "subscriptions" AS "t2"
              WHERE
                "t2"."valid_from" <= MAKE_DATE(2026, 6, 30) AND "t2"."plan" IS NOT NULL
            ) AS "t10"
          ) AS "t17"
          WHERE
            "t17"."_rank" = 0
        ) AS "t22"
          ON "t14"."account_id" = "t22"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t18"."account_id",
            "t18"."product"
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
                "t2"."account_id",
                "t2"."subscription_id",
                "t2"."valid_from",
                "t2"."valid_to" AS "valid_until",
                COALESCE("t2"."mrr", 0.0) AS "mrr",
                "t2"."seats",
                "t2"."plan",
                "t2"."product",
                "t2"."renewal_date"
              FROM "subscriptions" AS "t2"
              WHERE
                "t2"."valid_from" <= MAKE_DATE(2026, 6, 30)
            ) AS "t11"
          ) AS "t18"
          WHERE
            "t18"."_rank" = 0
        ) AS "t23"
          ON "t14"."account_id" = "t23"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t29"."account_id",
            DATE_TRUNC('MONTH', MIN("t29"."day")) AS "cohort"
          FROM (
            SELECT
              "t28"."account_id",
              "t28"."day",
              "t28"."kind",
              "t28"."amount"
            FROM (
              SELECT
                "t27"."account_id",
                "t27"."day",
                "t27"."delta",
                "t27"."cur",
                "t27"."prev",
                "t27"."paid",
                "t27"."paid_before",
                CASE
                  WHEN (
                    "t27"."prev" <= 0
                  )
                  AND (
                    "t27"."cur" > 0
                  )
                  AND (
                    "t27"."paid_before" > 0
                  )
                  THEN 'reactivation'
                  WHEN (
                    "t27"."prev" <= 0
                  ) AND (
                    "t27"."cur" > 0
                  )
                  THEN 'new'
                  WHEN (
                    "t27"."prev" > 0
                  ) AND (
                    "t27"."cur" <= 0
                  )
                  THEN 'churn'
                  WHEN (
                    "t27"."prev" > 0
                  ) AND (
                    "t27"."cur" > "t27"."prev"
                  )
                  THEN 'expansion'
                  WHEN (
                    "t27"."prev" > 0
                  ) AND (
                    "t27"."cur" < "t27"."prev"
                  )
                  THEN 'contraction'
                  ELSE CAST(NULL AS TEXT)
                END AS "kind",
                CASE
                  WHEN (
                    "t27"."prev" <= 0
                  ) AND (
                    "t27"."cur" > 0
                  )
                  THEN "t27"."cur"
                  WHEN (
                    "t27"."prev" > 0
                  ) AND (
                    "t27"."cur" <= 0
                  )
                  THEN "t27"."prev"
                  ELSE ABS("t27"."cur" - "t27"."prev")
                END AS "amount"
              FROM (
                SELECT
                  "t26"."account_id",
                  "t26"."day",
                  "t26"."delta",
                  "t26"."cur",
                  "t26"."prev",
                  "t26"."paid",
                  SUM("t26"."paid") OVER (
                    PARTITION BY "t26"."account_id"
                    ORDER BY "t26"."day" ASC
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                  ) - "t26"."paid" AS "paid_before"
                FROM (
                  SELECT
                    "t25"."account_id",
                    "t25"."day",
                    "t25"."delta",
                    "t25"."cur",
                    COALESCE(
                      LAG("t25"."cur") OVER (
                        PARTITION BY "t25"."account_id"
                        ORDER BY "t25"."day" ASC
                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                      ),
                      0.0
                    ) AS "prev",
                    CASE WHEN "t25"."cur" > 0 THEN 1 ELSE 0 END AS "paid"
                  FROM (
                    SELECT
                      "t24"."account_id",
                      "t24"."day",
                      "t24"."delta",
                      CASE WHEN ABS("t24"."cur") < 1e-06 THEN 0.0 ELSE "t24"."cur" END AS "cur"
                    FROM (
                      SELECT
                        "t19"."account_id",
                        "t19"."day",
                        "t19"."delta",
                        CAST(ROUND(
                          SUM("t19"."delta") OVER (
                            PARTITION BY "t19"."account_id"
                            ORDER BY "t19"."day" ASC
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
                              "t2"."account_id",
                              "t2"."valid_from" AS "day",
                              COALESCE("t2"."mrr", 0.0) AS "delta"
                            FROM "subscriptions" AS "t2"
                          ) AS "t12"
                          UNION ALL
                          SELECT
                            *
                          FROM (
                            SELECT
                              "t2"."account_id",
                              "t2"."valid_to" AS "day",
                              -(
                                COALESCE("t2"."mrr", 0.0)
                              ) AS "delta"
                            FROM "subscriptions" AS "t2"
                            WHERE
                              "t2"."valid_to" IS NOT NULL
                          ) AS "t15"
                        ) AS "t16"
                        GROUP BY
                          1,
                          2
                      ) AS "t19"
                    ) AS "t24"
                  ) AS "t25"
                ) AS "t26"
              ) AS "t27"
            ) AS "t28"
            WHERE
              "t28"."kind" IS NOT NULL
              AND "t28"."kind" = 'new'
              AND "t28"."day" <= MAKE_DATE(2026, 6, 30)
          ) AS "t29"
          GROUP BY
            1
        ) AS "t31"
          ON "t14"."account_id" = "t31"."account_id"
      ) AS "t32"
    ) AS "t34"
      ON "t13"."account_id" = "t34"."account_id"
    CROSS JOIN "periods" AS "t3"
  ) AS "t35"
  WHERE
    "t35"."created_at" < "t35"."w_to_date_hi_t"
) AS "t36"
GROUP BY
  1,
  2
