"""Seeds a fresh moto server with the story's AWS side, then switches IAM checking on.

Usage: python moto_seed.py ENDPOINT   (e.g. http://127.0.0.1:5123)
Prints one JSON object: the access keys of the console's broker user (and of a user with no
permissions). Only moto's fake credentials are involved; nothing here reaches AWS.
"""

import json
import sys
import urllib.request

import boto3

DEVELOPMENT = "111122223333"
PRODUCTION = "123456789012"
ROLE_ARN = f"arn:aws:iam::{PRODUCTION}:role/UpdateAPP"

# The story's trust policy (what the README asks for in the production account).
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "TrustDevelopmentWithMFA",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{DEVELOPMENT}:root"},
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        }
    ],
}

# Read and write on productionapp and nothing else (ListAllMyBuckets lets the console list
# buckets, as in the IAM User Guide's tutorial).
PERMISSIONS_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "SeeBucketNames", "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
        {
            "Sid": "ListTheBucket",
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
            "Resource": "arn:aws:s3:::productionapp",
        },
        {
            "Sid": "ReadWriteItsObjects",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "Resource": "arn:aws:s3:::productionapp/*",
        },
    ],
}

# The console's own principal in the development account: it may assume UpdateAPP.
BROKER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
            "Resource": ROLE_ARN,
        }
    ],
}


def client(endpoint, service, account):
    c = boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )

    def in_account(request, **_):
        request.headers["x-moto-account-id"] = account

    c.meta.events.register("before-sign.*.*", in_account)
    return c


def main(endpoint):
    dev_iam = client(endpoint, "iam", DEVELOPMENT)
    dev_iam.create_user(UserName="switchyard-broker")
    dev_iam.put_user_policy(
        UserName="switchyard-broker",
        PolicyName="AssumeUpdateAPP",
        PolicyDocument=json.dumps(BROKER_POLICY),
    )
    broker = dev_iam.create_access_key(UserName="switchyard-broker")["AccessKey"]
    dev_iam.create_user(UserName="switchyard-powerless")
    powerless = dev_iam.create_access_key(UserName="switchyard-powerless")["AccessKey"]

    prod_iam = client(endpoint, "iam", PRODUCTION)
    prod_iam.create_role(
        RoleName="UpdateAPP",
        AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
        MaxSessionDuration=3600,
    )
    prod_iam.put_role_policy(
        RoleName="UpdateAPP",
        PolicyName="productionapp-rw",
        PolicyDocument=json.dumps(PERMISSIONS_POLICY),
    )
    prod_s3 = client(endpoint, "s3", PRODUCTION)
    for bucket in ("productionapp", "production-logs"):
        prod_s3.create_bucket(Bucket=bucket)
    prod_s3.put_object(Bucket="production-logs", Key="audit/2026-01-01.log", Body=b"secret log\n")

    # From here on moto checks every request against IAM.
    urllib.request.urlopen(
        urllib.request.Request(
            f"{endpoint}/moto-api/reset-auth",
            data=b"0",
            headers={"Content-Type": "text/plain"},
            method="POST",
        ),
        timeout=10,
    ).read()

    print(
        json.dumps(
            {
                "broker": {"access_key_id": broker["AccessKeyId"], "secret_access_key": broker["SecretAccessKey"]},
                "powerless": {
                    "access_key_id": powerless["AccessKeyId"],
                    "secret_access_key": powerless["SecretAccessKey"],
                },
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
