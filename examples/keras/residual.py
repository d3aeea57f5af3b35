# A small functional network with residual and concatenated branches, written with a helper
# function, as Keras tutorials do.
import keras
from keras import layers


def residual_block(x, filters, pooling=False):
    residual = x
    x = layers.Conv2D(filters, 3, activation="relu", padding="same")(x)
    x = layers.Conv2D(filters, 3, activation="relu", padding="same")(x)
    if pooling:
        x = layers.MaxPooling2D(2, padding="valid")(x)
        residual = layers.Conv2D(filters, 1, strides=2)(residual)
    x = layers.add([x, residual])
    return x


inputs = keras.Input(shape=(32, 32, 16), name="image")
x = layers.ZeroPadding2D(padding=((1, 2), (0, 1)))(inputs)
x = layers.Cropping2D(cropping=((1, 2), (0, 1)))(x)
x = residual_block(x, 16)
x = residual_block(x, 32, pooling=True)
left = layers.Conv2D(8, 1)(x)
right = layers.UpSampling2D()(layers.MaxPooling2D()(x))
right = layers.Conv2D(8, 1, activation="sigmoid")(right)
x = layers.Concatenate()([left, right])
x = layers.Conv2DTranspose(16, 3, strides=2, padding="same")(x)
x = layers.Conv2DTranspose(8, 3, strides=2)(x)
x = layers.LeakyReLU(negative_slope=0.2)(x)
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(5, activation="softmax", name="classes")(x)
model = keras.Model(inputs, outputs)
